"""What every source kind offers the pipeline: listing pages of document refs, and fetch.

A kind only knows which listings it has (`listings`: a column, a search; by default one
per start URL), how to walk one of them page by page (`pages`) and how to get one document
(`fetch`); deciding what to fetch again, when to stop paging a listing and what counts as
removed is the pipeline's job, so every kind crawls incrementally in the same way.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, AsyncIterator, ClassVar, Mapping
from urllib.parse import urldefrag, urljoin, urlsplit

from sources.attachment_option import check_option as check_attachments_option
from sources.http import HttpClient
from sources.responses import CHALLENGE_ONLY, DOCUMENT_BLOCKS, Fetched, RequestStats, detect_block
from tracker.core.config import SourceConfig
from tracker.core.errors import BlockedError
from tracker.core.registry import SOURCE_KINDS

_DATE_RE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})")
REVISIT_CHOICES = ("listed", "changed")
COMMON_OPTIONS = frozenset({"verified", "revisit", "incremental", "baseline", "extra_pages", "full_walk_hours", "attachments"})
DEFAULT_EXTRA_PAGES = 1
DEFAULT_FULL_WALK_HOURS = 24


@dataclass(frozen=True)
class DocumentRef:
    """A document as a listing shows it: where it is, and what the listing says about it."""

    url: str
    title: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class ListingPage:
    """One page of a listing (an HTML page, a dataproxy slice, an API page)."""

    url: str
    refs: tuple[DocumentRef, ...]
    last: bool = False  # this listing has nothing after this page


def parse_date(text: str | None) -> dt.date | None:
    """The last `YYYY-MM-DD` / `YYYY.MM.DD` / `YYYY年M月D日` date in `text` (list dates trail titles)."""
    if not text:
        return None
    matches = list(_DATE_RE.finditer(text))
    if not matches:
        return None
    match = matches[-1]
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def option(config: SourceConfig, key: str, kind: type, default: Any = None, *, required: bool = False) -> Any:
    """A kind-specific option, type-checked; ValueError names the key (config turns it into ConfigError)."""
    if key not in config.options:
        if required:
            raise ValueError(f"{key} is required for kind {config.kind}")
        return default
    value = config.options[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{key} must be a {kind.__name__}, got {value!r}")
    return value


class Source(abc.ABC):
    """Base of every kind: the config, the shared client and the hosts it may visit."""

    kind: ClassVar[str]
    options: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that names its own `kind` is that kind: configuration can use it."""
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            SOURCE_KINDS.declare(cls.kind, cls)

    def __init__(self, config: SourceConfig, client: HttpClient, stats: RequestStats | None = None) -> None:
        self.validate(config)
        self.config = config
        self.client = client
        self.stats = stats if stats is not None else RequestStats()
        self.allowed_hosts = effective_allowed_hosts(config)
        self.revisit: str = config.options.get("revisit", "listed")
        self.incremental: bool = config.options.get("incremental", True)
        # The first crawl records what is already there and sends one summary, not an alert per document.
        self.baseline: bool = config.options.get("baseline", True)
        # An incremental walk goes this many pages past a page with nothing new (an entry inserted
        # just below it, in a listing sorted by signing date) and walks to the end this often.
        self.extra_pages: int = config.options.get("extra_pages", DEFAULT_EXTRA_PAGES)
        self.full_walk_every = dt.timedelta(hours=config.options.get("full_walk_hours", DEFAULT_FULL_WALK_HOURS))

    @classmethod
    def validate(cls, config: SourceConfig) -> None:
        """Raise ValueError naming the option when the config cannot work for this kind."""
        unknown = set(config.options) - cls.options - COMMON_OPTIONS
        if unknown:
            known = ", ".join(sorted(cls.options | COMMON_OPTIONS))
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))} for kind {cls.kind} (known: {known})")
        option(config, "verified", bool)
        option(config, "incremental", bool)
        option(config, "baseline", bool)
        if option(config, "extra_pages", int, 0) < 0:
            raise ValueError(f"extra_pages must be 0 or more, got {config.options['extra_pages']}")
        hours = config.options.get("full_walk_hours", DEFAULT_FULL_WALK_HOURS)
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
            raise ValueError(f"full_walk_hours must be a number of hours > 0, got {hours!r}")
        revisit = option(config, "revisit", str, "listed")
        if revisit not in REVISIT_CHOICES:
            raise ValueError(f"revisit must be one of {', '.join(REVISIT_CHOICES)}, got {revisit!r}")
        check_attachments_option(config)
        cls.validate_options(config)

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        if not config.start_urls:
            raise ValueError(f"start_urls is required for kind {config.kind}")
        for url in config.start_urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"start_urls: {url!r} is not an http(s) URL")

    def listings(self) -> tuple[str, ...]:
        """The listings this source walks, one after another: its start URLs."""
        return self.config.start_urls

    @abc.abstractmethod
    def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        """One of `listings()`, page by page; the caller stops iterating when it has seen enough."""

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """One document, conditionally when validators from the last version are given."""
        return await self.client.fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            delay=self.config.delay,
            allowed_hosts=self.allowed_hosts,
            stats=self.stats,
            obey_robots=self.config.obey_robots,
        )

    async def fetch_listing(
        self,
        url: str,
        *,
        method: str = "GET",
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Fetched:
        """A listing page or API answer: only a real challenge counts as blocked here."""
        return await self.client.fetch(
            url,
            method=method,
            data=data,
            params=params,
            delay=self.config.delay,
            allowed_hosts=self.allowed_hosts,
            stats=self.stats,
            blocked_kinds=CHALLENGE_ONLY,
            obey_robots=self.config.obey_robots,
        )


def absolute_url(base_url: str, href: str) -> str | None:
    """The http(s) URL a listing's link points to, without its fragment; None for anything
    else (`javascript:`, `mailto:`, a link too malformed to resolve, such as `http://[bad`)."""
    try:
        url = urldefrag(urljoin(base_url, href.strip())).url
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises ValueError when out of range or not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return url


def raise_if_blocked(fetched: Fetched) -> None:
    """A listing page that gave nothing usable may be a throttle page ("please enable
    JavaScript", served with 200): raise BlockedError so the run says "blocked", instead of
    taking it for the end of the listing or a changed layout."""
    detected = detect_block(fetched, DOCUMENT_BLOCKS)
    if detected is not None:
        raise BlockedError(fetched.url, detected, fetched.status)


def check_url_pattern(config: SourceConfig) -> None:
    """The optional `url_pattern` option must be a valid regular expression (ValueError otherwise)."""
    pattern = option(config, "url_pattern", str)
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"url_pattern is not a valid regular expression: {exc}") from exc


def effective_allowed_hosts(config: SourceConfig) -> tuple[str, ...]:
    """`allowed_hosts`, or the hosts of `start_urls` when none are configured."""
    if config.allowed_hosts:
        return config.allowed_hosts
    hosts = (urlsplit(url).hostname for url in config.start_urls)
    return tuple(dict.fromkeys(h for h in hosts if h))
