"""`govcn`: the State Council policy library (www.gov.cn/zhengce), listed through its search API.

The library's list pages are rendered by script from a JSON search endpoint; the start
URL is that endpoint with its query (library, sort order …) and this kind only turns the
page parameters (`p`, 1-based, and `n`). Each hit carries the article URL, the title
(with `<em>` highlighting) and the publication date; the article pages themselves are
the metadata-table pages the parser reads (`table.bd1`, `#UCAP-CONTENT`).

Options: `page_size` (hits per request, default 20), `list_path` (dotted path of the hit
list in the JSON, default `searchVO.catMap.gongwen.listVO`), `url_pattern` (document URLs
must match; default `content_\\d+\\.htm`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sources.base import (
    DocumentRef,
    ListingPage,
    Source,
    absolute_url,
    check_url_pattern,
    option,
    parse_date,
    raise_if_blocked,
)
from sources.responses import host_allowed
from tracker.core.config import SourceConfig
from tracker.core.errors import FetchError

DEFAULT_LIST_PATH = "searchVO.catMap.gongwen.listVO"
DEFAULT_URL_PATTERN = r"content_\d+\.htm"
_TAG_RE = re.compile(r"<[^>]+>")


class GovcnSource(Source):
    kind = "govcn"
    options = frozenset({"page_size", "list_path", "url_pattern"})

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        super().validate_options(config)
        if option(config, "page_size", int, 20) < 1:
            raise ValueError("page_size must be at least 1")
        option(config, "list_path", str)
        check_url_pattern(config)

    async def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        page_size = int(self.config.options.get("page_size", 20))
        list_path = str(self.config.options.get("list_path", DEFAULT_LIST_PATH))
        pattern = re.compile(str(self.config.options.get("url_pattern", DEFAULT_URL_PATTERN)))
        for page_no in range(1, self.config.max_pages + 1):
            url = with_query(listing, p=str(page_no), n=str(page_size))
            fetched = await self.fetch_listing(url)
            try:
                hits, total = search_hits(fetched.text(), list_path, fetched.url)
            except FetchError:
                raise_if_blocked(fetched)
                raise
            refs = tuple(hit_refs(hits, fetched.url, pattern, self.allowed_hosts))
            last = len(hits) < page_size or (total is not None and page_no * page_size >= total)
            yield ListingPage(url=url, refs=refs, last=last)
            if last:
                return


def with_query(url: str, **params: str) -> str:
    """`url` with `params` set in its query string (other parameters kept in order)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def search_hits(body: str, list_path: str, url: str) -> tuple[list[dict[str, Any]], int | None]:
    """The hit list at `list_path` and the `totalCount` beside it, if any; FetchError when the shape is not there."""
    try:
        node: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FetchError(url, f"policy library answer is not JSON: {exc}") from exc
    parent: Any = None
    for key in list_path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise FetchError(url, f"policy library answer has no {list_path} (missing {key!r})")
        parent, node = node, node[key]
    total = parent.get("totalCount") if isinstance(parent, dict) else None
    total = total if isinstance(total, int) and not isinstance(total, bool) else None
    if node is None:
        return [], total
    if not isinstance(node, list):
        raise FetchError(url, f"{list_path} in the policy library answer is not a list")
    return [hit for hit in node if isinstance(hit, dict)], total


def hit_refs(
    hits: list[dict[str, Any]], base_url: str, pattern: re.Pattern[str], allowed_hosts: tuple[str, ...]
) -> list[DocumentRef]:
    refs = []
    for hit in hits:
        href = hit.get("url")
        if not isinstance(href, str):
            continue
        url = absolute_url(base_url, href)
        if url is None or not pattern.search(url) or not host_allowed(url, allowed_hosts):
            continue
        title = _TAG_RE.sub("", str(hit.get("title") or "")).strip() or None
        refs.append(DocumentRef(url=url, title=title, date=_hit_date(hit)))
    return refs


def _hit_date(hit: dict[str, Any]) -> dt.date | None:
    text = hit.get("pubtimeStr")
    if isinstance(text, str) and (date := parse_date(text)):
        return date
    stamp = hit.get("pubtime")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return dt.datetime.fromtimestamp(stamp / 1000, dt.timezone(dt.timedelta(hours=8))).date()
    return None
