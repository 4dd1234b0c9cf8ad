"""The crawler's attachment step: find a fetched page's document links, fetch the files.

Between fetching a page and parsing it: links are found in a parser process (decoding and
parsing HTML is CPU work; most pages fail the cheap byte test and cost nothing), the files
are fetched by `sources.attachments` on the event loop, and `prepare_page` then reads them
with the page.
"""

from __future__ import annotations

import functools

from sources.attachment_option import wanted_extensions
from sources.attachments import fetch_attachments
from sources.base import Source
from sources.http import Fetched
from tracker.parse.attachments import FetchedAttachment, document_links, may_link_documents
from tracker.pipeline.workers import ParserPool


async def page_attachments(source: Source, parser: ParserPool, url: str, fetched: Fetched) -> list[FetchedAttachment]:
    """The attachment files of a fetched page (none when its source reads none)."""
    wanted = wanted_extensions(source.config)
    if not wanted or not may_link_documents(fetched.content, wanted):
        return []
    find = functools.partial(document_links, fetched.content, fetched.content_type, wanted)
    links = find() if parser.processes == 0 else await parser.run(find)
    return await fetch_attachments(source, url, links, wanted) if links else []
