"""`listing`: an HTML list of documents, picked out with CSS selectors, optionally paginated.

Options: `item` (selector for each entry: the link itself or an element containing it),
`next_page` (selector for the link to the next page), `date` (selector inside an entry
for its date; without it a date is looked for in the entry's text), `url_pattern`
(a regular expression document URLs must match, to skip navigation links).
"""

from __future__ import annotations

import re
from typing import AsyncIterator

import soupsieve
from bs4 import BeautifulSoup, Tag

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

_ENTRY_TAGS = ("li", "tr", "dd", "dt", "p", "div")


class ListingSource(Source):
    kind = "listing"
    options = frozenset({"item", "next_page", "date", "url_pattern"})

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        super().validate_options(config)
        for key in ("item", "next_page", "date"):
            selector = option(config, key, str, required=key == "item")
            if selector is not None:
                _check_selector(key, selector)
        check_url_pattern(config)

    async def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        seen: set[str] = set()
        url: str | None = listing
        while url and url not in seen and len(seen) < self.config.max_pages:
            seen.add(url)
            fetched = await self.fetch_listing(url)
            soup = BeautifulSoup(fetched.text(), "lxml")
            refs = extract_listing(soup, fetched.url, self.config, self.allowed_hosts)
            if not refs:
                raise_if_blocked(fetched)
            next_url = page_next(soup, fetched.url, self.config, self.allowed_hosts)
            yield ListingPage(url=fetched.url, refs=refs, last=next_url is None)
            url = next_url


def extract_listing(
    soup: BeautifulSoup | Tag, base_url: str, config: SourceConfig, allowed_hosts: tuple[str, ...]
) -> tuple[DocumentRef, ...]:
    """The document refs of one listing page, in page order, without duplicates."""
    pattern = re.compile(config.options["url_pattern"]) if config.options.get("url_pattern") else None
    date_selector = config.options.get("date")
    refs: dict[str, DocumentRef] = {}
    for element in soup.select(config.options["item"]):
        link = element if element.name == "a" else element.find("a", href=True)
        if link is None or not link.get("href"):
            continue
        url = absolute_url(base_url, str(link["href"]))
        if url is None or not host_allowed(url, allowed_hosts):
            continue
        if pattern is not None and not pattern.search(url):
            continue
        entry = element if element.name != "a" else _entry_of(link)
        title = str(link.get("title") or "").strip() or link.get_text(" ", strip=True) or None
        date_text = _date_text(entry, date_selector)
        refs.setdefault(url, DocumentRef(url=url, title=title, date=parse_date(date_text)))
    return tuple(refs.values())


def page_next(soup: BeautifulSoup, base_url: str, config: SourceConfig, allowed_hosts: tuple[str, ...]) -> str | None:
    """The next page's URL, or None at the end (no selector, no link, or a link off-site)."""
    selector = config.options.get("next_page")
    if not selector:
        return None
    link = soup.select_one(selector)
    if link is None or link.name != "a":
        link = link.find("a", href=True) if link is not None else None
    if link is None or not link.get("href"):
        return None
    url = absolute_url(base_url, str(link["href"]))
    if url is None or url == base_url or not host_allowed(url, allowed_hosts):
        return None
    return url


def _entry_of(link: Tag) -> Tag:
    for parent in link.parents:
        if parent.name in _ENTRY_TAGS:
            return parent
    return link


def _date_text(entry: Tag, selector: str | None) -> str | None:
    if selector:
        found = entry.select_one(selector)
        return found.get_text(" ", strip=True) if found is not None else None
    return entry.get_text(" ", strip=True)


def _check_selector(key: str, selector: str) -> None:
    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(f"{key}: invalid CSS selector {selector!r}: {str(exc).splitlines()[0]}") from exc
