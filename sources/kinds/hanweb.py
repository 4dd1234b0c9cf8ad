"""`hanweb`: a column of a Hanweb ("大汉") CMS site, configured by ids instead of selectors.

Most provincial and city sites (Zhejiang, Hangzhou …) fill `/col/colN/index.html` by XHR
(DOMAIN.md §1), so the HTML page holds no links; the data comes from one of two endpoints:

- `api = "dataproxy"` (older sites): `POST /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=`
  with form fields (col, appid, webid, columnid, unitid, permissiontype) → XML with
  `<totalrecord>` and `<record><![CDATA[<li>…</li>]]></record>` items.
- `api = "jpaas"` (newer Hangzhou/Zhejiang sites): `GET /api-gateway/jpaas-publish-server/front/page/build/unit`
  with `paramJson={"pageNo":n,"pageSize":m}` → JSON whose `data.html` holds the list markup.

Options: `column_id` (required), `site_id` (webid; required for dataproxy), `unit_id`, `app_id`
(default 1), `page_size` (records per request, default 15), `api`, and for jpaas `tpl_set_id`,
`tag_key`. The one start URL is the column page; the API is asked on its scheme and host.
"""

from __future__ import annotations

import json
import re
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from sources.base import DocumentRef, ListingPage, Source, absolute_url, option, parse_date, raise_if_blocked
from sources.responses import host_allowed
from tracker.core.config import SourceConfig
from tracker.core.errors import FetchError

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
JPAAS_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
APIS = ("dataproxy", "jpaas")
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)


class HanwebSource(Source):
    kind = "hanweb"
    options = frozenset({"api", "column_id", "site_id", "unit_id", "app_id", "page_size", "tpl_set_id", "tag_key"})

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        super().validate_options(config)
        api = option(config, "api", str, "dataproxy")
        if api not in APIS:
            raise ValueError(f"api must be one of {', '.join(APIS)}, got {api!r}")
        _identifier(config, "column_id", required=True)
        _identifier(config, "site_id", required=api == "dataproxy")
        for key in ("unit_id", "app_id", "tpl_set_id", "tag_key"):
            _identifier(config, key)
        page_size = option(config, "page_size", int, 15)
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        if len(config.start_urls) > 1:
            raise ValueError("start_urls: a hanweb source walks one column; give its one column page, and one [[source]] per column")

    @property
    def page_size(self) -> int:
        return int(self.config.options.get("page_size", 15))

    def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        """The column's records; `listing` is the column page, whose site serves the API."""
        if self.config.options.get("api", "dataproxy") == "jpaas":
            return self._jpaas_pages(listing)
        return self._dataproxy_pages(listing)

    async def _dataproxy_pages(self, column_page: str) -> AsyncIterator[ListingPage]:
        url = _site(column_page) + DATAPROXY_PATH
        ids = self.config.options
        form = {
            "col": "1",
            "appid": str(ids.get("app_id", 1)),
            "webid": str(ids["site_id"]),
            "path": "/",
            "columnid": str(ids["column_id"]),
            "sourceContentType": "1",
            "unitid": str(ids.get("unit_id", "")),
            "webname": "",
            "permissiontype": "0",
        }
        start = 1
        for _ in range(self.config.max_pages):
            end = start + self.page_size - 1
            params = {"startrecord": str(start), "endrecord": str(end), "perpage": str(self.page_size)}
            fetched = await self.fetch_listing(url, method="POST", data=form, params=params)
            total, records, refs = parse_dataproxy(fetched.text(), column_page, self.allowed_hosts)
            if total is None and not records:
                raise_if_blocked(fetched)
                raise FetchError(fetched.url, "dataproxy answer has neither <totalrecord> nor any <record>")
            page_url = f"{url}?startrecord={start}&endrecord={end}"
            # Counted before links to other hosts are dropped: a reposted record is not the end.
            last = records < self.page_size if total is None else end >= total or not records
            yield ListingPage(url=page_url, refs=refs, last=last)
            if last:
                return
            start = end + 1

    async def _jpaas_pages(self, column_page: str) -> AsyncIterator[ListingPage]:
        url = _site(column_page) + JPAAS_PATH
        ids = self.config.options
        for page_no in range(1, self.config.max_pages + 1):
            params = {
                "parseType": "bulidstatic",
                "webId": str(ids.get("site_id", "")),
                "tplSetId": str(ids.get("tpl_set_id", "")),
                "pageType": "column",
                "tagKey": str(ids.get("tag_key", "")),
                "editType": "null",
                "pageId": str(ids["column_id"]),
                "paramJson": json.dumps({"pageNo": page_no, "pageSize": self.page_size}, separators=(",", ":")),
            }
            fetched = await self.fetch_listing(url, params=params)
            try:
                entries, refs = parse_jpaas(fetched.text(), column_page, self.allowed_hosts, fetched.url)
            except FetchError:
                raise_if_blocked(fetched)
                raise
            last = entries < self.page_size  # counted before links to other hosts are dropped
            yield ListingPage(url=f"{url}?pageId={ids['column_id']}&pageNo={page_no}", refs=refs, last=last)
            if last:
                return


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def parse_dataproxy(
    xml: str, base_url: str, allowed_hosts: tuple[str, ...]
) -> tuple[int | None, int, tuple[DocumentRef, ...]]:
    """`(totalrecord, records in this answer, refs)` from a dataproxy.jsp answer (regex: these
    XML files are often not well-formed); totalrecord is None when the answer has none."""
    total_match = _TOTAL_RE.search(xml)
    records = _RECORD_RE.findall(xml)
    refs: dict[str, DocumentRef] = {}
    for record in records:
        for ref in _refs_from_markup(record, base_url, allowed_hosts)[1]:
            refs.setdefault(ref.url, ref)
    return int(total_match.group(1)) if total_match else None, len(records), tuple(refs.values())


def parse_jpaas(body: str, base_url: str, allowed_hosts: tuple[str, ...], url: str) -> tuple[int, tuple[DocumentRef, ...]]:
    """`(entries in the list, refs)` from a jpaas `build/unit` JSON answer (`data.html` holds the list markup)."""
    try:
        payload: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FetchError(url, f"jpaas answer is not JSON: {exc}") from exc
    data = payload.get("data") if isinstance(payload, dict) else None
    html = data.get("html") if isinstance(data, dict) else None
    if not isinstance(html, str):
        raise FetchError(url, "jpaas answer has no data.html")
    entries, found = _refs_from_markup(html, base_url, allowed_hosts)
    refs: dict[str, DocumentRef] = {}
    for ref in found:
        refs.setdefault(ref.url, ref)
    return entries, tuple(refs.values())


def _refs_from_markup(markup: str, base_url: str, allowed_hosts: tuple[str, ...]) -> tuple[int, list[DocumentRef]]:
    """`(entries with a link, refs)`: the entries are counted whatever their links' hosts."""
    soup = BeautifulSoup(markup, "lxml")
    entries = 0
    refs = []
    for entry in soup.select("li") or [soup]:
        link = entry.find("a", href=True)
        if link is None:
            continue
        entries += 1
        url = absolute_url(base_url, str(link["href"]))
        if url is None or not host_allowed(url, allowed_hosts):
            continue
        title = str(link.get("title") or "").strip() or link.get_text(" ", strip=True) or None
        refs.append(DocumentRef(url=url, title=title, date=parse_date(entry.get_text(" ", strip=True))))
    return entries, refs


def _identifier(config: SourceConfig, key: str, *, required: bool = False) -> None:
    value = config.options.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key} is required for kind hanweb")
        return
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise ValueError(f"{key} must be a number or a string id, got {value!r}")
