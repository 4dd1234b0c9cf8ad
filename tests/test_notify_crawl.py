"""A crawl of the sample government site routes its events to subscriptions in the same transactions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from sources.http import HttpPolicy
from sources.samplesite import SampleSite
from storage.tables import Clause, Delivery, Document, Event
from tests.receivers.platforms import WebhookReceiver
from tracker.core.config import settings_from_dict
from tracker.pipeline import crawl, dispatch_due

POLICY = HttpPolicy(timeout=0.5, attempt_deadline=2.0, retries=2, backoff=0.01, default_delay=0)


def test_crawl_enqueues_matching_documents_and_they_are_delivered(engine: sa.Engine) -> None:
    with SampleSite() as site, WebhookReceiver(secret="w") as hook:
        settings = settings_from_dict(
            {
                # Without a baseline the first crawl alerts every document, as later crawls do.
                "source": [{**table, "baseline": False} for table in site.source_tables(delay=0.01)],
                "subscription": [
                    {"name": "bci", "channel": "webhook", "url": hook.webhook_url, "secret": "w",
                     "events": ["document_added"], "keywords": ["类脑"]},
                    {"name": "sweep-only", "channel": "console", "events": ["expiry_reminder"]},
                ],
            }
        )
        crawl(engine, settings, policy=POLICY)
        with Session(engine) as session:
            matching = set()
            for document, version_id in session.exec(
                select(Document, Event.version_id).join(Event, col(Event.document_id) == Document.id).where(Event.kind == "document_added")
            ):
                clauses = " ".join(session.exec(select(Clause.text).where(Clause.version_id == version_id)))
                if "类脑" in f"{document.title} {clauses}":
                    matching.add(document.url)
            owed = session.exec(select(Delivery.subscription, Delivery.state)).all()
        assert matching and len(owed) == len(matching)
        assert set(owed) == {("bci", "pending")}
        report = dispatch_due(engine, settings)
        delivered = {r.json["document"]["url"] for r in hook.accepted}
    assert report.sent == len(matching) and delivered == matching
