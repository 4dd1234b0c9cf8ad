"""`tracker parse` refuses what is not a page-sized regular file at once: one line on stderr, exit 2.

Each of these would hang or exhaust memory if read: `/dev/zero` never ends, opening a FIFO
waits for a writer, a 2 GB file (sparse here) would be read whole. The timeout mark turns a
regression into a failure instead of a hung suite.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from tests.conftest import Cli
from tracker.cli.parse_cmd import MAX_FILE_BYTES

pytestmark = pytest.mark.timeout(30)

#: Refusing takes microseconds; this only has to tell "refused" from "read the whole thing".
QUICK_SECONDS = 10


def _refused(path: Path) -> str:
    """Run `tracker parse PATH --json`, check the refusal contract, return the stderr line."""
    started = time.monotonic()
    code, out, err = Cli()("parse", str(path), "--json")
    elapsed = time.monotonic() - started
    assert code == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert elapsed < QUICK_SECONDS
    return lines[0]


def test_dev_zero_is_refused() -> None:
    assert _refused(Path("/dev/zero")) == "error: /dev/zero is not a regular file (a device, FIFO or socket)"


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    assert _refused(fifo) == f"error: {fifo} is not a regular file (a device, FIFO or socket)"


def test_directory_is_refused(tmp_path: Path) -> None:
    assert _refused(tmp_path) == f"error: {tmp_path} is a directory, not a file"


def test_2_gb_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as file:
        file.truncate(2 * 1024**3)  # sparse: no disk used
    assert _refused(huge) == f"error: {huge} is 2147483648 bytes, over the 10485760-byte cap of a page"


def test_cap_is_the_crawlers_page_cap_of_10_mib(tmp_path: Path) -> None:
    assert MAX_FILE_BYTES == 10 * 1024 * 1024
    over = tmp_path / "over.html"
    with over.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    assert _refused(over) == f"error: {over} is 10485761 bytes, over the 10485760-byte cap of a page"
