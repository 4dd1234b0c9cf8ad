"""A dispatcher killed (SIGKILL) while a message is in flight, then restarted.

The killed process had claimed the delivery (`sending`, committed) and the receiver had
processed the message, but the answer never came back. After the restart no event is
lost, exactly one message is repeated, and a receiver that honours Idempotency-Key
records every event exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from storage.deliveries import list_deliveries
from storage.tables import Delivery
from tests.conftest import wait_for
from tests.receivers.events import document, event
from tests.receivers.platforms import WebhookReceiver
from tracker.core.config import load_settings
from tracker.pipeline.outbox import enqueue

REPO = Path(__file__).resolve().parent.parent
EVENTS = 6
HELD = 4  # the 4th message is processed by the receiver but never answered


def child(db_url: str, config: Path, offset: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.receivers.dispatch_child", db_url, str(config), str(offset)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )



@pytest.mark.slow
@pytest.mark.parametrize("honour", [True, False], ids=["key-honoured", "key-ignored"])
def test_kill_during_dispatch_loses_nothing_and_repeats_at_most_once(
    db_url: str, engine: sa.Engine, tmp_path: Path, honour: bool
) -> None:
    with WebhookReceiver(secret="crash", honour_idempotency=honour) as hook:
        config = tmp_path / "tracker.toml"
        config.write_text(
            f'[[subscription]]\nname = "hook"\nchannel = "webhook"\nurl = "{hook.webhook_url}"\nsecret = "crash"\n',
            encoding="utf-8",
        )
        with Session(engine) as session:
            for n in range(1, EVENTS + 1):
                doc, version = document(session, f"第{n}号 通知", n=n)
                enqueue(session, [event(session, "document_added", doc, version)], load_settings(config).subscriptions)
            session.commit()
        hook.hold_after = HELD - 1
        first = child(db_url, config, 0)
        wait_for(lambda: len(hook.requests) == HELD, "the held sends to reach the receiver")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with Session(engine) as session:
            left = Counter(d.state for d in session.exec(select(Delivery)))
        assert left == {"sent": HELD - 1, "sending": 1, "pending": EVENTS - HELD}
        hook.hold_after = None
        hook.release.set()
        second = child(db_url, config, 3600)  # later than the dead claim's expiry
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert out.strip() == f"sent {EVENTS - HELD + 1}"
        keys = Counter(hook.keys)
        delivered = Counter(r.headers["idempotency-key"] for r in hook.accepted)
    with Session(engine) as session:
        assert {d.state for d in session.exec(select(Delivery))} == {"sent"}
        unconfirmed = [view for view in list_deliveries(session) if view.unconfirmed]
    (repeated,) = [key for key, count in keys.items() if count == 2]
    assert [f"{view.event_id}:{view.subscription}" for view in unconfirmed] == [repeated]  # the one send in doubt is shown
    assert len(keys) == EVENTS and sum(keys.values()) == EVENTS + 1  # exactly one message repeated
    assert set(delivered) == set(keys)  # no event lost
    assert max(delivered.values()) == (1 if honour else 2)
