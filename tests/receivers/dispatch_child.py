"""A dispatcher in its own process, for crash tests: `python -m tests.receivers.dispatch_child DB CONFIG OFFSET`.

OFFSET seconds are added to the clock, so a restarted dispatcher can be "later" than
the claim that the killed one left behind without the test waiting in real time.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from notifiers.channels import open_context
from tracker.pipeline.dispatch import Dispatcher
from storage.engine import open_database
from tracker.core.config import load_settings


def main(db_url: str, config: str, offset: str) -> None:
    settings = load_settings(Path(config))
    engine = open_database(db_url)
    with open_context(settings.tracker.tz, timeout=60) as context:
        context.clock = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=float(offset))
        report = Dispatcher(engine, settings.subscriptions, context=context, max_wait=dt.timedelta(0)).dispatch_due()
    print(f"sent {report.sent}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
