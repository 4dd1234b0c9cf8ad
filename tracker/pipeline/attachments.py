"""The crawler's attachment step: find a fetched page's document links, fetch the files.

Between fetching a page and parsing it: links are found in a parser process (decoding and
parsing HTML is CPU work; most pages fail the cheap byte test and cost nothing), the files
are fetched by `sources.attachments` on the event loop, and `prepare_page` then reads them
with the page. A page that answers 304 is read again from storage when a file it was read
with changed: the files are asked for with their own validators.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlmodel import Session

from sources.attachment_option import wanted_extensions
from sources.attachments import LASTING_STATUSES, fetch_attachments
from sources.base import Source
from sources.http import Fetched, FetchError, TooLargeError
from storage.attachments import latest_page, latest_validators
from tracker.parse.attachments import FetchedAttachment, document_links, may_link_documents
from tracker.pipeline.workers import DatabaseThread, ParserPool


async def page_attachments(source: Source, parser: ParserPool, url: str, fetched: Fetched) -> list[FetchedAttachment]:
    """The attachment files of a fetched page (none when its source reads none)."""
    wanted = wanted_extensions(source.config)
    if not wanted or not may_link_documents(fetched.content, wanted):
        return []
    find = functools.partial(document_links, fetched.content, fetched.content_type, wanted)
    links = find() if parser.processes == 0 else await parser.run(find)
    return await fetch_attachments(source, url, links, wanted) if links else []


async def page_if_attachments_changed(
    source: Source, database: DatabaseThread, document_id: int, not_modified: Fetched
) -> Fetched | None:
    """For a page that answered 304: the stored page to read again when one of the files it was
    read with changed (a conditional GET answered 200, or the file is gone), else None.

    A failure that may pass (5xx, a timeout) counts as unchanged: the next run asks again.
    """
    if not wanted_extensions(source.config):
        return None
    validators = await database.run(_validators_now, database.engine, document_id)
    changed = False
    for file_url, etag, last_modified in validators:
        try:
            answer = await source.fetch(file_url, etag=etag, last_modified=last_modified)
        except FetchError as exc:
            changed = exc.status in LASTING_STATUSES or isinstance(exc, TooLargeError)
        else:
            changed = not answer.not_modified
        if changed:
            break
    if not changed:
        return None
    page = await database.run(_page_now, database.engine, document_id)
    if page is None:
        return None
    body, content_type = page
    headers = {key.lower(): value for key, value in not_modified.headers.items() if key.lower() in ("etag", "last-modified")}
    if content_type:
        headers["content-type"] = content_type
    return Fetched(url=not_modified.url, status=200, headers=headers, content=body)


def _validators_now(engine: sa.Engine, document_id: int) -> list[tuple[str, str | None, str | None]]:
    with Session(engine) as session:
        return latest_validators(session, document_id)


def _page_now(engine: sa.Engine, document_id: int) -> tuple[bytes, str | None] | None:
    with Session(engine) as session:
        return latest_page(session, document_id)
