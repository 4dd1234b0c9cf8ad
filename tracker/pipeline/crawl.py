"""`tracker crawl` and the daemon's crawl jobs: sources → parse → store, in batches.

`crawl` runs configured sources concurrently over one polite HTTP client. A source walks
each of its listings (start URLs) page by page; an item is fetched when it is new, when
its listing entry changed, or (revisit = "listed", the default) conditionally when it is
known, so a silent edit is still caught and an unchanged page costs a 304. Paging a
listing stops at a page whose entries are all known and unchanged. A document last listed
on a page the walk covered, and not listed now, is fetched again: 404/410 counts a missing
run, and after `removal_after_runs` of them it becomes `document_removed`. Nothing one
listing or document does can stop the others; a source's result is a CheckRun row and its
health on the Source row.

Three kinds of work overlap so a first crawl uses every core: the event loop fetches,
worker processes parse (`[tracker] parse_workers`), and one database thread runs every
statement of the crawl in order, saving parsed pages in batches (`workers`).
"""

from __future__ import annotations

import asyncio
from typing import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from sources.http import HttpClient, HttpPolicy
from sources.pacing import SharedPacer
from storage.crawl_state import upsert_sources
from tracker.core.config import Settings, SourceConfig
from tracker.pipeline.source_crawl import SourceCrawl
from tracker.pipeline.source_run import CrawlProgress, SourceRun
from tracker.pipeline.workers import BatchWriter, DatabaseThread, ParserPool


def crawl(
    engine: sa.Engine,
    settings: Settings,
    names: Sequence[str] = (),
    *,
    policy: HttpPolicy | None = None,
    progress: CrawlProgress | None = None,
    pacer: SharedPacer | None = None,
) -> list[SourceRun]:
    """Run the named sources (all enabled ones when none are named) and return one result each.

    Unknown names raise `ConfigError` before anything runs. A `pacer` shares each host's
    turns and delay with other processes (the workers).
    """
    configs = select_sources(settings, names)
    return asyncio.run(crawl_async(engine, settings, configs, policy=policy, progress=progress, pacer=pacer))


def select_sources(settings: Settings, names: Sequence[str]) -> list[SourceConfig]:
    if names:
        return [settings.source(name) for name in dict.fromkeys(names)]
    return [source for source in settings.sources if source.enabled]


async def crawl_async(
    engine: sa.Engine,
    settings: Settings,
    configs: Sequence[SourceConfig],
    *,
    policy: HttpPolicy | None = None,
    progress: CrawlProgress | None = None,
    pacer: SharedPacer | None = None,
) -> list[SourceRun]:
    policy = policy or HttpPolicy(user_agent=settings.tracker.user_agent)
    database = DatabaseThread(engine)
    try:
        source_ids = await database.run(_source_ids, engine, configs)
        parser = ParserPool(settings.tracker.parser_processes)
        writer = BatchWriter(database, settings)
        async with HttpClient(policy, pacer=pacer) as client:
            crawls = [
                SourceCrawl(database, parser, writer, config, source_ids[config.name], client, settings, progress).run()
                for config in configs
            ]
            return list(await asyncio.gather(*crawls))
    finally:
        database.close()


def _source_ids(engine: sa.Engine, configs: Sequence[SourceConfig]) -> dict[str, int]:
    with Session(engine, expire_on_commit=False) as session:
        rows = upsert_sources(session, configs)
        session.commit()
    ids = {name: row.id for name, row in rows.items()}
    return {name: id_ for name, id_ in ids.items() if id_ is not None}
