"""The crawler's attachment step: find a fetched page's document links, fetch the files.

Between fetching a page and parsing it: links are found in a parser process (decoding and
parsing HTML is CPU work; most pages fail the cheap byte test and cost nothing), the files
are fetched by `sources.attachments` on the event loop, and `prepare_page` then reads them
with the page. A page that answers 304 is read again from storage when a file it was read
with changed: the files are asked for with their own validators.
"""

from __future__ import annotations

import asyncio
import functools

import sqlalchemy as sa
from sqlmodel import Session

from sources.attachment_option import wanted_extensions
from sources.attachments import LASTING_STATUSES, fetch_attachments
from sources.base import Source
from sources.responses import Fetched
from storage.attachments import documents_read_with_files, latest_page, latest_validators
from tracker.core.errors import FetchError, TooLargeError
from tracker.core.parse.attachments import FetchedAttachment, document_links, may_link_documents
from tracker.pipeline.workers import DatabaseThread, ParserPool


async def page_attachments(source: Source, parser: ParserPool, url: str, fetched: Fetched) -> list[FetchedAttachment]:
    """The attachment files of a fetched page (none when its source reads none)."""
    wanted = wanted_extensions(source.config)
    if not wanted or not may_link_documents(fetched.content, wanted):
        return []
    find = functools.partial(document_links, fetched.content, fetched.content_type, wanted)
    links = find() if parser.processes == 0 else await parser.run(find)
    return await fetch_attachments(source, url, links, wanted) if links else []


class FileRecheck:
    """For pages that answer 304 during one source run: the stored page to read again when a
    file it was read with changed (a conditional GET with the file's own validators answered
    200, or the file is gone), else None.

    Which of the source's documents were read with files is asked once per run, so a 304 of
    a page without files costs no query. A failure that may pass (5xx, a timeout) counts as
    unchanged: the next run asks again.
    """

    def __init__(self, source: Source, database: DatabaseThread, source_id: int) -> None:
        self.source = source
        self.database = database
        self.source_id = source_id
        self._with_files: set[int] | None = None
        self._loading = asyncio.Lock()

    async def page_if_changed(self, document_id: int, not_modified: Fetched) -> Fetched | None:
        if not wanted_extensions(self.source.config) or document_id not in await self._documents_with_files():
            return None
        validators = await self.database.run(_validators_now, self.database.engine, document_id)
        if not await self._any_changed(validators):
            return None
        page = await self.database.run(_page_now, self.database.engine, document_id)
        if page is None:
            return None
        body, content_type = page
        headers = {k.lower(): v for k, v in not_modified.headers.items() if k.lower() in ("etag", "last-modified")}
        if content_type:
            headers["content-type"] = content_type
        return Fetched(url=not_modified.url, status=200, headers=headers, content=body)

    async def _documents_with_files(self) -> set[int]:
        async with self._loading:
            if self._with_files is None:
                self._with_files = await self.database.run(_with_files_now, self.database.engine, self.source_id)
        return self._with_files

    async def _any_changed(self, validators: list[tuple[str, str | None, str | None]]) -> bool:
        for file_url, etag, last_modified in validators:
            try:
                answer = await self.source.fetch(file_url, etag=etag, last_modified=last_modified)
            except FetchError as exc:
                if exc.status in LASTING_STATUSES or isinstance(exc, TooLargeError):
                    return True
            else:
                if not answer.not_modified:
                    return True
        return False


def _with_files_now(engine: sa.Engine, source_id: int) -> set[int]:
    with Session(engine) as session:
        return documents_read_with_files(session, source_id)


def _validators_now(engine: sa.Engine, document_id: int) -> list[tuple[str, str | None, str | None]]:
    with Session(engine) as session:
        return latest_validators(session, document_id)


def _page_now(engine: sa.Engine, document_id: int) -> tuple[bytes, str | None] | None:
    with Session(engine) as session:
        return latest_page(session, document_id)
