"""Outbox throughput: rendering, routing events to subscriptions, dispatching to a local webhook.

Run: `.venv/bin/python benchmarks/outbox.py` (SQLite in a temporary directory, a webhook
receiver on 127.0.0.1). Prints one line per figure.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlmodel import Session  # noqa: E402

from notifiers.channels import open_context  # noqa: E402
from tracker.pipeline.dispatch import Dispatcher  # noqa: E402
from tracker.pipeline.outbox import enqueue  # noqa: E402
from notifiers.render import Renderer, build_digest  # noqa: E402
from storage.engine import init_database, open_database  # noqa: E402
from tests.receivers.events import changed_payload, document, event  # noqa: E402
from tests.receivers.platforms import WebhookReceiver  # noqa: E402
from tests.receivers.samples import AT, changed_alert  # noqa: E402
from tracker.core.config import SubscriptionConfig  # noqa: E402

EVENTS = 500


def main() -> None:
    renderer = Renderer()
    alerts = [changed_alert(event_id=i) for i in range(1000)]
    started = time.perf_counter()
    for alert in alerts:
        renderer.markdown(alert)
        renderer.slack(alert)
    per_alert = (time.perf_counter() - started) / len(alerts) * 1e6
    print(f"render markdown + slack: {per_alert:.0f} µs per alert")
    started = time.perf_counter()
    renderer.digest_html(build_digest("weekly", alerts, None, AT))
    print(f"render e-mail digest HTML of {len(alerts)} alerts: {(time.perf_counter() - started) * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as directory, WebhookReceiver(secret="bench") as hook:
        url = f"sqlite:///{directory}/bench.db"
        init_database(url)
        engine = open_database(url)
        subscriptions = [
            SubscriptionConfig(name="all", channel="webhook", url=hook.webhook_url, secret="bench"),
            SubscriptionConfig(name="bci", channel="console", keywords=("脑机", "类脑")),
            SubscriptionConfig(name="quantum", channel="console", keywords=("量子",)),
            SubscriptionConfig(name="changes", channel="console", events=("document_changed",)),
            SubscriptionConfig(name="weekly", channel="console", mode="digest", schedule="0 9 * * MON"),
        ]
        with Session(engine) as session:
            events = []
            for n in range(1, EVENTS + 1):
                doc, version = document(session, f"第{n}号 关于促进类脑智能发展的通知", n=n)
                events.append(event(session, "document_changed", doc, version, changed_payload(doc, "最高300万元。", "5", "3")))
            session.commit()
            started = time.perf_counter()
            created = sum(len(enqueue(session, [recorded], subscriptions)) for recorded in events)
            session.commit()
        elapsed = time.perf_counter() - started
        print(f"enqueue {EVENTS} events one by one × {len(subscriptions)} subscriptions ({created} deliveries): "
              f"{elapsed * 1000 / EVENTS:.1f} ms per event")

        with open_context(renderer.tz) as context:
            context.stream = io.StringIO()
            dispatcher = Dispatcher(engine, subscriptions, context=context, batch_size=created)
            started = time.perf_counter()
            report = dispatcher.dispatch_due()
            elapsed = time.perf_counter() - started
        print(f"dispatch {report.sent} immediate deliveries (webhook over HTTP + console): {elapsed:.1f} s, "
              f"{report.sent / elapsed:.0f} deliveries/s (claim, render, sign, send, record: 2 commits each)")
        engine.dispose()


if __name__ == "__main__":
    main()
