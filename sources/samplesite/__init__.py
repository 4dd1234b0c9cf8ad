"""A sample government web for tests and the demo: four real HTTP servers on 127.0.0.1.

    with SampleSite() as site:
        config_text = site.sources_toml(delay=0.05)   # ready [[source]] tables for tracker.toml
        …crawl…
        site.next_day()                               # or POST /__admin/next-day on any of them

Sites: `hanweb` (Hangzhou, Hanweb CMS: dataproxy.jsp, jpaas JSON and static column pages,
GBK articles declared only in `<meta>`, one article behind a 瑞数-style 412 challenge),
`govcn` (the State Council library: search API + the ten fixture pages), `listing`
(Minhang, a plain paginated list) and `notices` (a 印发 notice whose measure is only in a
PDF attachment; its `[[source]]` table is `notice_table()`, apart from `source_tables()`). The documents are bundled as package data, so the
demo works on a clean clone. Each server counts requests per path and takes faults.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from sources.samplesite.notices import NOTICE_DIR, NoticeSite
from sources.samplesite.server import Fault, LoggedRequest, Response, SiteServer
from sources.samplesite.sites import (
    GOVCN_PAGE_SIZE,
    GOVCN_SEARCH_PATH,
    HANWEB_COL_PATH,
    HANWEB_COLUMN,
    HANWEB_PAGE_SIZE,
    HANWEB_SITE_ID,
    HANWEB_UNIT_ID,
    MINHANG_DIR,
    GovcnSite,
    HanwebSite,
    MinhangSite,
)
from tracker.core.config import SourceConfig, settings_from_dict

__all__ = ["Fault", "LoggedRequest", "Response", "SampleSite", "SiteServer"]


class SampleSite:
    """The four sample sites, started together; `server(name)` gives one for counts and faults."""

    def __init__(self) -> None:
        self.hanweb = HanwebSite()
        self.govcn = GovcnSite()
        self.listing = MinhangSite()
        self.notices = NoticeSite()
        admin = {"next-day": self.next_day, "reset": self.reset}
        self.servers = {
            site.name: SiteServer(site, admin) for site in (self.hanweb, self.govcn, self.listing, self.notices)
        }
        self.govcn.base_url = self.servers["govcn"].base_url

    def __enter__(self) -> SampleSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for server in self.servers.values():
            server.start()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def server(self, name: str) -> SiteServer:
        return self.servers[name]

    def url(self, name: str, path: str) -> str:
        return self.servers[name].base_url + path

    def next_day(self) -> None:
        """Switch every site to the day after (see `sources.samplesite.sites`)."""
        self.hanweb.day = self.govcn.day = self.notices.day = 2

    def reset(self) -> None:
        """Back to day one, faults cleared, counters zeroed."""
        self.hanweb.day = self.govcn.day = self.notices.day = 1
        for server in self.servers.values():
            server.clear_faults()
            server.reset_counters()

    def reset_counters(self) -> None:
        for server in self.servers.values():
            server.reset_counters()

    def source_tables(self, *, delay: float = 0.05, prefix: str = "sample") -> list[dict[str, Any]]:
        """`[[source]]` tables (as dicts) for the three sites, kinds hanweb, govcn and listing."""
        hosts = ["127.0.0.1"]
        return [
            {
                "name": f"{prefix}-hz",
                "kind": "hanweb",
                "start_urls": [self.url("hanweb", HANWEB_COL_PATH)],
                "allowed_hosts": hosts,
                "delay": delay,
                "column_id": HANWEB_COLUMN,
                "site_id": HANWEB_SITE_ID,
                "unit_id": HANWEB_UNIT_ID,
                "page_size": HANWEB_PAGE_SIZE,
            },
            {
                "name": f"{prefix}-govcn",
                "kind": "govcn",
                "start_urls": [
                    self.url("govcn", GOVCN_SEARCH_PATH)
                    + "?t=zhengcelibrary_gw&q=&timetype=timeqb&sort=pubtime&sortType=1&type=gwyzcwjk"
                ],
                "allowed_hosts": hosts,
                "delay": delay,
                "page_size": GOVCN_PAGE_SIZE,
            },
            {
                "name": f"{prefix}-mh",
                "kind": "listing",
                "start_urls": [self.url("listing", f"{MINHANG_DIR}/index.html")],
                "allowed_hosts": hosts,
                "delay": delay,
                "item": "ul.list li",
                "date": "span.date",
                "next_page": "a.next",
            },
        ]

    def notice_table(self, *, delay: float = 0.05, prefix: str = "sample") -> dict[str, Any]:
        """The `[[source]]` table (as a dict) of the notices site, whose measure is in a PDF attachment."""
        return {
            "name": f"{prefix}-notices",
            "kind": "listing",
            "start_urls": [self.url("notices", f"{NOTICE_DIR}/index.html")],
            "allowed_hosts": ["127.0.0.1"],
            "delay": delay,
            "item": "ul.list li",
            "date": "span.date",
        }

    def sources_toml(self, *, delay: float = 0.05, prefix: str = "sample") -> str:
        """A ready `[[source]]` list for tracker.toml pointing at this running site."""
        return tomli_w.dumps({"source": self.source_tables(delay=delay, prefix=prefix)})

    def source_configs(self, *, delay: float = 0.05, prefix: str = "sample") -> tuple[SourceConfig, ...]:
        return settings_from_dict({"source": self.source_tables(delay=delay, prefix=prefix)}).sources

