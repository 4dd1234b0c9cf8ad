"""A source's first crawl is its baseline: history recorded, one summary sent, not a flood.

Over the real sample site and a webhook receiver, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.samplesite import Fault, SampleSite
from sources.samplesite.sites import MINHANG_DIR
from storage.tables import Document, Event, Source
from tests.receivers.platforms import WebhookReceiver
from tracker.core.config import Settings, settings_from_dict
from tracker.pipeline import crawl, dispatch_due

POLICY = HttpPolicy(timeout=0.5, attempt_deadline=2.0, retries=2, backoff=0.01, default_delay=0)


def settings_for(site: SampleSite, hook: WebhookReceiver, **source_options: Any) -> Settings:
    return settings_from_dict(
        {
            "tracker": {"removal_after_runs": 1, "parse_workers": 0},
            "source": [{**table, **source_options} for table in site.source_tables(delay=0.01)],
            "subscription": [{"name": "hook", "channel": "webhook", "url": hook.webhook_url, "secret": "w"}],
        }
    )


def received(hook: WebhookReceiver) -> list[tuple[str, str | None]]:
    """(event kind, document URL's last part or source name) of each message the receiver took."""
    rows = []
    for request in hook.accepted:
        body = request.json
        document = body["document"]
        rows.append((body["event"]["kind"], document["url"].rsplit("/", 1)[-1] if document else body["source"]))
    hook.accepted.clear()
    return rows


def statuses(engine: sa.Engine, source: str) -> Counter[str]:
    with Session(engine) as session:
        return Counter(
            session.exec(
                select(Document.status).join(Source).where(Source.name == source, Document.is_placeholder == False)  # noqa: E712
            ).all()
        )


def recorded_kinds(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(session.exec(select(Event.kind)).all())


def test_first_crawl_sends_one_summary_per_source_then_news_alert_as_usual(engine: sa.Engine) -> None:
    with SampleSite() as site, WebhookReceiver(secret="w") as hook:
        settings = settings_for(site, hook)
        crawl(engine, settings, policy=POLICY)
        first = dispatch_due(engine, settings)
        baseline = [request.json for request in hook.accepted]
        first_received = received(hook)
        history = recorded_kinds(engine)
        hz = statuses(engine, "sample-hz")

        site.next_day()
        crawl(engine, settings, policy=POLICY)
        dispatch_due(engine, settings)
        next_day = received(hook)

    assert first.sent == 3
    assert sorted(first_received) == [
        ("source_baseline", "sample-govcn"), ("source_baseline", "sample-hz"), ("source_baseline", "sample-mh")
    ]  # fmt: skip
    summaries = {body["source"]: body["summary"] for body in baseline}
    # Statuses are those of the crawl's date (the real today), so the counts are read back.
    assert summaries["sample-hz"] == (
        f"baseline: 5 documents of sample-hz, {hz['expiring']} of them expiring within 90 days, "
        f"{hz['repealed']} repealed, {hz['expired']} expired"
    )
    # The documents are history all the same: every one has its document_added event.
    assert history["document_added"] == 17 and history["source_baseline"] == 3
    assert sorted(next_day) == [
        ("document_added", "art_1229063387_59230077.html"),
        ("document_changed", "art_1229063387_59083211.html"),
        ("document_removed", "content_5365945.htm"),
        ("status_changed", "art_1229063387_58011245.html"),  # the 2023 办法, repealed by the new one
    ]


def test_baseline_off_alerts_every_document_of_the_first_crawl(engine: sa.Engine) -> None:
    with SampleSite() as site, WebhookReceiver(secret="w") as hook:
        settings = settings_for(site, hook, baseline=False)
        crawl(engine, settings, policy=POLICY)
        dispatch_due(engine, settings)
        kinds = Counter(kind for kind, _ in received(hook))
    assert kinds == Counter({"document_added": 17, "status_changed": 1})


def test_a_first_crawl_that_failed_leaves_the_baseline_to_the_next(engine: sa.Engine) -> None:
    with SampleSite() as site, WebhookReceiver(secret="w") as hook:
        settings = settings_for(site, hook)
        listing = urlsplit(site.url("listing", f"{MINHANG_DIR}/index.html")).path
        site.server("listing").inject(listing, Fault(status=503, times=None))
        (failed,) = crawl(engine, settings, ["sample-mh"], policy=POLICY)
        dispatch_due(engine, settings)
        health = received(hook)
        site.server("listing").clear_faults()
        (first_stored,) = crawl(engine, settings, ["sample-mh"], policy=POLICY)
        dispatch_due(engine, settings)
        baseline = received(hook)
    assert failed.outcome == "failed" and health == [("source_failing", "sample-mh")]
    assert first_stored.new == 2
    assert sorted(baseline) == [("source_baseline", "sample-mh"), ("source_recovered", "sample-mh")]
