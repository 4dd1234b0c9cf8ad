"""What runs in a crawler's parser process besides `tracker.core.prepare.prepare_page`.

A parser process imports only what its jobs and this initializer name, plus the program's
main script (`spawn` re-imports it; the `tracker` script imports only `tracker.console`).
So this module imports nothing but the standard library: had the initializer lived with
the pool in `tracker.pipeline`, every parser process would load the whole application,
~55 MB more, for code it never runs.
"""

from __future__ import annotations

import os
import threading
import time

_PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """Make this parser process end when the process that started it is gone.

    A worker waits on a queue whose writing end it holds itself, so it never sees the
    crawler go away when that one is killed (SIGKILL, a test runner's hard exit): without
    this, every such end left an idle process behind.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
