"""A generated site spread over several loopback hosts, for the workers' tests and benchmark.

Every host serves every article (`/art/N.html`, the varied copies of `benchmarks.crawl`);
source S's listing (`/list/S/index_P.html`, on any host) links article N on host
N mod H, so every source's crawl visits every host and crawls of different sources, run
by different workers, press on the same hosts at once: what shared pacing is for.
Linux routes all of 127.0.0.0/8 to the loopback interface, so `127.0.0.2` needs no setup.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl import PAGE_SIZE, GeneratedSite  # noqa: E402

if TYPE_CHECKING:
    from sources.samplesite.server import Request, Response, SiteServer


class SpreadSite(GeneratedSite):
    """`documents` articles in `sources` equal listings; `hosts` (base URLs) set once the servers are bound.

    With `hosts_per_source`, source S links only hosts S·k … S·k + k − 1 (mod H), so sources
    do not share hosts and each crawl is bound by its own hosts' delays.
    """

    def __init__(self, documents: int, sources: int, hosts_per_source: int | None = None) -> None:
        super().__init__(documents)
        self.sources = sources
        self.hosts_per_source = hosts_per_source
        self.hosts: list[str] = []

    def host(self, source: int, n: int) -> str:
        """The base URL article `n` of `source` is linked on."""
        if self.hosts_per_source is None:
            return self.hosts[n % len(self.hosts)]
        return self.hosts[(source * self.hosts_per_source + n % self.hosts_per_source) % len(self.hosts)]

    def owned(self, source: int) -> range:
        share = self.documents // self.sources
        return range(source * share, self.documents if source == self.sources - 1 else (source + 1) * share)

    def respond(self, request: Request) -> Response:
        if request.path.startswith("/list/"):
            _, _, source, page = request.path.split("/")
            return self.spread_listing(int(source), int(page.removeprefix("index_").removesuffix(".html")))
        return super().respond(request)

    def spread_listing(self, source: int, page: int) -> Response:
        from sources.samplesite.server import Response

        owned = self.owned(source)
        first = owned.start + (page - 1) * PAGE_SIZE
        items = "".join(
            f"<li><a href=\"{self.host(source, n)}/art/{n}.html\">{self.title(n)}</a>"
            f"<span>{self.date(n).isoformat()}</span></li>"
            for n in range(first, min(first + PAGE_SIZE, owned.stop))
        )
        more = first + PAGE_SIZE < owned.stop
        next_link = f"<a class=\"next\" href=\"/list/{source}/index_{page + 1}.html\">下一页</a>" if more else ""
        body = f"<html><head><meta charset=\"utf-8\"></head><body><ul class=\"list\">{items}</ul>{next_link}</body></html>"
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8", validators=False)


def start_servers(site: SpreadSite, addresses: list[str]) -> list[SiteServer]:
    """One server per loopback address, all serving `site`, started."""
    from sources.samplesite.server import SiteServer

    servers = [SiteServer(site, host=address) for address in addresses]
    site.hosts = [server.base_url for server in servers]
    for server in servers:
        server.start()
    return servers


def source_tables(site: SpreadSite, addresses: list[str], delay: float) -> list[dict[str, Any]]:
    """The `[[source]]` tables: each source's listing is on the host of its first article; it may visit every host."""
    return [
        {
            "name": f"spread{source}",
            "kind": "listing",
            "start_urls": [f"{site.host(source, site.owned(source).start)}/list/{source}/index_1.html"],
            "allowed_hosts": addresses,
            "delay": delay,
            "max_pages": len(site.owned(source)) // PAGE_SIZE + 1,
            "item": "ul.list li",
            "next_page": "a.next",
            "obey_robots": False,
        }
        for source in range(site.sources)
    ]
