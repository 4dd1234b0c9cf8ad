"""End-to-end crawls of the sample government site over real sockets into a real database."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.samplesite import Fault, SampleSite
from sources.samplesite.sites import DATAPROXY_PATH, GOVCN_SEARCH_PATH
from storage.documents import load_version_document
from storage.tables import CheckRun, Document, Event, Relation, Source, Version
from tracker.core.config import Settings, settings_from_dict
from tracker.core.prepare import PreparedDocument
from tracker.pipeline import SourceRun, crawl
from tests.conftest import assert_paced

POLICY = HttpPolicy(timeout=0.5, attempt_deadline=2.0, retries=2, backoff=0.01, default_delay=0)


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def settings_for(site: SampleSite, removal_after_runs: int = 1, parse_workers: int | None = None) -> Settings:
    tracker: dict[str, object] = {"removal_after_runs": removal_after_runs}
    if parse_workers is not None:
        tracker["parse_workers"] = parse_workers
    return settings_from_dict({"tracker": tracker, "source": site.source_tables(delay=0.01)})


def by_source(runs: list[SourceRun]) -> dict[str, SourceRun]:
    return {run.source: run for run in runs}


def events(engine: sa.Engine) -> list[tuple[str, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(Event, Document.url).join(Document, isouter=True)).all()
        return [(event.kind, url) for event, url in rows]


def article_statuses(site: SampleSite) -> Counter[int]:
    """Statuses of article requests (listing/API requests excluded)."""
    listing_paths = {DATAPROXY_PATH, GOVCN_SEARCH_PATH}
    return Counter(
        entry.status
        for server in site.servers.values()
        for entry in server.log
        if entry.path not in listing_paths and not entry.path.endswith(("index.html", "index_2.html"))
    )


@pytest.mark.parametrize("parse_workers", [0, 1], ids=["parse-in-crawler", "parse-in-worker"])
def test_first_crawl_stores_every_document_with_gbk_text_intact(
    site: SampleSite, engine: sa.Engine, parse_workers: int
) -> None:
    runs = by_source(crawl(engine, settings_for(site, parse_workers=parse_workers), policy=POLICY))

    assert {name: (run.outcome, run.new, run.errors) for name, run in runs.items()} == {
        "sample-hz": ("ok", 5, 0),
        "sample-govcn": ("ok", 10, 0),
        "sample-mh": ("ok", 2, 0),
    }
    with Session(engine) as session:
        seed = session.exec(select(Document).where(Document.doc_number == "杭政办函〔2025〕58号")).one()
        version = session.exec(select(Version).where(Version.document_id == seed.id)).one()
        assert seed.url.endswith("/art/2025/12/15/art_1229063387_59083211.html")
        assert "单个项目最高补助 500 万元" in load_version_document(session, version).text  # GBK page decoded from its <meta> charset
        assert seed.title == "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知"
        checks = session.exec(select(CheckRun)).all()
        assert sorted((c.outcome, c.new) for c in checks) == [("ok", 2), ("ok", 5), ("ok", 10)]
        assert all(c.finished_at is not None for c in checks)
        sources = {s.name: s for s in session.exec(select(Source)).all()}
        assert set(sources) == {"sample-hz", "sample-govcn", "sample-mh"}
        assert all(s.consecutive_failures == 0 and s.last_success_at for s in sources.values())


def test_challenge_page_never_becomes_a_version(site: SampleSite, engine: sa.Engine) -> None:
    crawl(engine, settings_for(site), ["sample-hz"], policy=POLICY)

    hanweb = site.server("hanweb")
    challenged = hanweb.site.challenged_path  # type: ignore[attr-defined]
    assert [entry.status for entry in hanweb.log if entry.path == challenged] == [412, 200]
    with Session(engine) as session:
        texts = [load_version_document(session, version).text for version in session.exec(select(Version)).all()]
        document = session.exec(select(Document).where(Document.url == site.url("hanweb", challenged))).one()
    assert len(texts) == 5
    assert not any("$_ts" in text for text in texts)
    assert document.title == "杭州市人民政府关于印发杭州市未来产业培育行动计划（2025—2026年）的通知"


def test_persistent_challenge_counts_as_blocked_and_stores_nothing(site: SampleSite, engine: sa.Engine) -> None:
    challenged = site.hanweb.challenged_path
    site.hanweb.strict_challenge = True

    run = by_source(crawl(engine, settings_for(site), ["sample-hz"], policy=POLICY))["sample-hz"]

    assert (run.outcome, run.new, run.blocked, run.errors) == ("partial", 4, 1, 0)
    assert run.error_details[0]["kind"] == "blocked"
    assert run.error_details[0]["url"].endswith(challenged)
    assert [e.status for e in site.server("hanweb").log if e.path == challenged] == [412, 412]
    with Session(engine) as session:
        assert session.exec(select(Document).where(Document.url == site.url("hanweb", challenged))).first() is None
        check = session.exec(select(CheckRun)).one()
        assert (check.blocked, check.outcome) == (1, "partial")


def test_unchanged_recrawl_downloads_no_article_body(site: SampleSite, engine: sa.Engine) -> None:
    settings = settings_for(site)
    crawl(engine, settings, policy=POLICY)
    site.reset_counters()

    runs = by_source(crawl(engine, settings, policy=POLICY))

    statuses = article_statuses(site)
    assert statuses[200] == 0  # every article answered 304 (or was not asked for)
    assert statuses[304] == 8  # page one of each listing: 2 + 5 + 1 conditional GETs
    assert site.server("hanweb").requests[DATAPROXY_PATH] == 2  # paging stopped one page after an all-known page
    assert all(run.new == run.changed == 0 and run.outcome == "ok" for run in runs.values())
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Version)).one() == 17


def test_full_walk_and_listing_trust_options(site: SampleSite, engine: sa.Engine) -> None:
    tables = site.source_tables(delay=0.01)
    hz = next(t for t in tables if t["name"] == "sample-hz")
    crawl(engine, settings_from_dict({"source": [hz]}), policy=POLICY)
    site.reset_counters()

    full = crawl(engine, settings_from_dict({"source": [{**hz, "incremental": False}]}), policy=POLICY)[0]
    trusted = crawl(engine, settings_from_dict({"source": [{**hz, "incremental": False, "revisit": "changed"}]}), policy=POLICY)[0]

    assert (full.pages, full.unchanged, trusted.pages, trusted.unchanged) == (3, 5, 3, 5)
    assert site.server("hanweb").requests[DATAPROXY_PATH] == 6
    assert article_statuses(site) == Counter({304: 5, 412: 1})  # the full walk's GETs; the trusting walk sent none


def test_next_day_gives_exactly_the_expected_events_and_the_repeal(site: SampleSite, engine: sa.Engine) -> None:
    settings = settings_for(site, removal_after_runs=1)
    crawl(engine, settings, policy=POLICY)
    before = set(events(engine))
    site.next_day()

    runs = by_source(crawl(engine, settings, policy=POLICY))

    new_events = Counter((kind, url.rsplit("/", 1)[-1] if url else None) for kind, url in set(events(engine)) - before)
    lifecycle = {key for key in new_events if key[0] == "status_changed"}
    assert {key: n for key, n in new_events.items() if key not in lifecycle} == {
        ("document_added", "art_1229063387_59230077.html"): 1,
        ("document_changed", "art_1229063387_59083211.html"): 1,
        ("document_removed", "content_5365945.htm"): 1,
    }
    assert runs["sample-govcn"].errors == 1
    assert runs["sample-govcn"].error_details[0]["url"].endswith(site.govcn.erroring_path)
    assert runs["sample-govcn"].outcome == "partial"
    with Session(engine) as session:
        repealed = session.exec(select(Document).where(Document.doc_number == "杭经信〔2023〕45号")).one()
        new = session.exec(select(Document).where(Document.doc_number == "杭经信〔2026〕3号")).one()
        relation = session.exec(select(Relation).where(Relation.from_document_id == new.id, Relation.kind == "repeals")).one()
        assert relation.target_document_id == repealed.id
        edited = session.exec(select(Document).where(Document.doc_number == "杭政办函〔2025〕58号")).one()
        latest = session.exec(select(Version).where(Version.document_id == edited.id, Version.number == 2)).one()
        assert "单个项目最高补助 300 万元" in load_version_document(session, latest).text
        gone = session.exec(select(Document).where(Document.url == site.url("govcn", site.govcn.removed_path))).one()
        assert gone.gone_at is not None


def test_removal_needs_consecutive_missing_runs(site: SampleSite, engine: sa.Engine) -> None:
    settings = settings_for(site, removal_after_runs=2)
    crawl(engine, settings, ["sample-govcn"], policy=POLICY)
    site.next_day()

    first = by_source(crawl(engine, settings, ["sample-govcn"], policy=POLICY))["sample-govcn"]
    with Session(engine) as session:
        gone = session.exec(select(Document).where(Document.url == site.url("govcn", site.govcn.removed_path))).one()
        assert (gone.missing_runs, gone.gone_at) == (1, None)
    second = by_source(crawl(engine, settings, ["sample-govcn"], policy=POLICY))["sample-govcn"]

    assert (first.removed, second.removed) == (0, 1)
    assert [kind for kind, _url in events(engine)].count("document_removed") == 1


def test_progress_ends_with_every_found_document_visited_including_a_missing_one(
    site: SampleSite, engine: sa.Engine
) -> None:
    settings = settings_for(site, removal_after_runs=2)
    crawl(engine, settings, ["sample-govcn"], policy=POLICY)
    site.next_day()
    seen: list[tuple[int, int]] = []

    [run] = crawl(engine, settings, ["sample-govcn"], policy=POLICY, progress=lambda r: seen.append((r.visited, r.to_visit)))

    # Nine listed on two pages (paging stops one page past the first with nothing new), plus
    # the one no longer listed: it answers 404 for a first run, so it is visited without
    # counting as a document or an error.
    assert seen[-1] == (10, 10)
    assert (run.documents, run.errors, run.removed) == (8, 1, 0)
    assert all(visited <= to_visit for visited, to_visit in seen)
    assert seen == sorted(seen)  # the bar never runs backwards


def test_hung_source_times_out_while_others_continue(site: SampleSite, engine: sa.Engine) -> None:
    settings = settings_for(site)
    site.server("govcn").inject(GOVCN_SEARCH_PATH, Fault(hang=5.0, times=None))

    runs = by_source(crawl(engine, settings, policy=POLICY))

    assert runs["sample-govcn"].outcome == "failed"
    assert "timed out" in runs["sample-govcn"].error_details[0]["reason"]
    assert (runs["sample-hz"].new, runs["sample-mh"].new) == (5, 2)
    with Session(engine) as session:
        govcn = session.exec(select(Source).where(Source.name == "sample-govcn")).one()
        assert govcn.consecutive_failures == 1
        assert "timed out" in (govcn.last_error or "")
    assert ("source_failing", None) in events(engine)

    site.server("govcn").clear_faults()
    recovered = by_source(crawl(engine, settings, ["sample-govcn"], policy=POLICY))["sample-govcn"]

    assert (recovered.outcome, recovered.new) == ("ok", 10)
    assert [kind for kind, _url in events(engine)].count("source_recovered") == 1


def test_failing_document_is_retried_and_recorded_without_stopping_others(site: SampleSite, engine: sa.Engine) -> None:
    path = site.govcn.erroring_path
    site.server("govcn").inject(path, Fault(status=500, times=1))

    run = by_source(crawl(engine, settings_for(site), ["sample-govcn"], policy=POLICY))["sample-govcn"]

    assert (run.new, run.errors) == (10, 0)
    assert [entry.status for entry in site.server("govcn").log if entry.path == path] == [500, 200]


def test_source_delay_spaces_every_request_to_its_host(site: SampleSite, engine: sa.Engine, booked_starts: list[float]) -> None:
    tables = [{**t, "delay": 0.1} for t in site.source_tables() if t["name"] == "sample-mh"]

    crawl(engine, settings_from_dict({"source": tables}), policy=POLICY)

    arrivals = [entry.at for entry in site.server("listing").log]
    assert len(arrivals) == 5  # robots.txt, two listing pages, two articles
    assert_paced(arrivals, booked_starts, 0.1)


def test_a_document_that_breaks_the_pipeline_is_recorded_and_the_rest_stored(
    site: SampleSite, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracker.pipeline.workers

    real = tracker.pipeline.workers.save_documents
    broken = site.url("listing", "/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj/content/b68e0793-4ff7-4ad5-8d27-79928a5fb0eb.htm")

    def save_or_fail(session: Session, documents: list[PreparedDocument], **kwargs: object) -> object:
        if documents[0].document.url == broken:
            raise KeyError("unexpected layout")
        return real(session, documents, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tracker.pipeline.workers, "save_documents", save_or_fail)

    run = by_source(crawl(engine, settings_for(site), ["sample-mh"], policy=POLICY))["sample-mh"]

    assert (run.new, run.errors, run.outcome) == (1, 1, "partial")
    assert run.error_details == [{"url": broken, "reason": "internal error: KeyError: 'unexpected layout'", "kind": "error"}]


def test_a_page_that_fails_after_its_rows_were_written_spoils_nothing_else_in_its_batch(
    site: SampleSite, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracker.pipeline.workers

    real = tracker.pipeline.workers.save_documents
    failed: list[str] = []

    def save_then_fail(session: Session, documents: list[PreparedDocument], **kwargs: object) -> object:
        results = real(session, documents, **kwargs)  # type: ignore[arg-type]
        if not failed:
            failed.append(str(documents[0].document.url))
            raise KeyError("failed after its rows were written")
        return results

    monkeypatch.setattr(tracker.pipeline.workers, "save_documents", save_then_fail)

    run = by_source(crawl(engine, settings_for(site, parse_workers=0), ["sample-govcn"], policy=POLICY))["sample-govcn"]

    assert (run.new, run.errors) == (9, 1)
    assert run.error_details[0]["url"] == failed[0]
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Version)).one() == 9


def test_a_listing_with_no_links_fails_the_source_instead_of_removing_everything(
    site: SampleSite, engine: sa.Engine
) -> None:
    [mh] = [t for t in site.source_tables(delay=0.01) if t["name"] == "sample-mh"]
    settings = settings_from_dict({"tracker": {"removal_after_runs": 1}, "source": [mh]})
    crawl(engine, settings, policy=POLICY)
    redesigned = settings_from_dict({"tracker": {"removal_after_runs": 1}, "source": [{**mh, "item": "ul.news li"}]})

    [run] = crawl(engine, redesigned, policy=POLICY)

    assert (run.outcome, run.removed) == ("failed", 0)
    assert run.error_details[0]["reason"] == (
        "listing: no document links found on 127.0.0.1 "
        "(has the page layout changed, or do the documents live on a host not in allowed_hosts?)"
    )
    assert ("source_failing", None) in events(engine)
    with Session(engine) as session:
        assert session.exec(select(Document).where(Document.gone_at.is_not(None))).all() == []  # type: ignore[union-attr]
