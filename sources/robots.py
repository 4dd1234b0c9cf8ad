"""robots.txt: what a site's operators allow crawlers, read with the standard library's parser.

Government webmasters publish their wishes there; a crawler they can trust obeys it by
default, as Scrapy and Heritrix do. The rules are read with `urllib.robotparser` (prefix
rules, `Allow`/`Disallow`, the first matching group for our user agent or `*`, whole-second
`Crawl-delay`). A robots.txt that is missing (4xx), unreachable, unparseable or not text
allows everything: the file is advice its operators must be able to publish, not a switch
that a broken server flips to "crawl nothing". `Crawl-delay` is honoured up to
`MAX_CRAWL_DELAY`, so one absurd value cannot stall a source for days.
"""

from __future__ import annotations

import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

#: Bytes of robots.txt read; Google reads 500 KiB, and the rules that matter come first.
MAX_ROBOTS_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 120.0
#: How long a host's rules are kept before robots.txt is read again.
ROBOTS_TTL = 86400.0


def robots_url(url: str) -> str:
    """`scheme://host[:port]/robots.txt` for any URL of that host."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


@dataclass(frozen=True)
class RobotsRules:
    """One host's parsed robots.txt (None: allow all) and the crawl delay it asks of us."""

    parser: urllib.robotparser.RobotFileParser | None
    crawl_delay: float = 0.0

    @classmethod
    def allow_all(cls) -> RobotsRules:
        return cls(None)

    @classmethod
    def parse(cls, content: bytes, user_agent: str) -> RobotsRules:
        """Rules from a robots.txt body; a body the parser cannot read allows all."""
        text = content[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        parser = urllib.robotparser.RobotFileParser()
        try:
            parser.parse(text.splitlines())
            delay = parser.crawl_delay(user_agent)
        except (ValueError, TypeError):  # `Crawl-delay: ²` passes isdigit() and fails int()
            return cls.allow_all()
        return cls(parser, min(float(delay or 0), MAX_CRAWL_DELAY))

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return True
        try:
            return self.parser.can_fetch(user_agent, url)
        except ValueError:
            return True
