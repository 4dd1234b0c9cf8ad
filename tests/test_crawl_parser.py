"""The crawler's parser processes: what crosses the process boundary, and a worker that dies."""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED_FIXTURES
from tracker.core.config import settings_from_dict
from tracker.core.errors import ConfigError, NotADocumentError, ParseError
from tracker.core.model import PageKind
from tracker.core.prepare import prepare_page
from tracker.pipeline.workers import ParserPool


def test_a_not_a_document_error_survives_the_trip_from_a_worker() -> None:
    error = NotADocumentError(PageKind.CHALLENGE, "瑞数 challenge script")

    back = pickle.loads(pickle.dumps(error))

    assert (type(back), back.kind, back.reason, str(back)) == (NotADocumentError, error.kind, error.reason, str(error))


def test_a_worker_that_dies_fails_its_page_and_the_next_page_gets_a_new_worker() -> None:
    body = next(Path(SHARED_FIXTURES, "seeds").glob("000_*.txt")).read_bytes()
    parser = ParserPool(1)

    async def both() -> tuple[BaseException | None, list[str]]:
        try:
            await parser.run(exit_the_worker)
        except ParseError as exc:
            died: BaseException | None = exc
        else:
            died = None
        prepared = await parser.prepare(body, url="https://a/1", content_type="text/plain")
        return died, [item.document.title for item in prepared]

    died, titles = asyncio.run(both())

    assert isinstance(died, ParseError) and str(died) == "the parser process stopped while parsing this page"
    assert titles == [doc.document.title for doc in prepare_page(body, url="https://a/1", content_type="text/plain")]


def exit_the_worker() -> None:
    """A module-level job (picklable) that kills the worker process running it."""
    os._exit(1)


@pytest.mark.parametrize("value", [-1, 65, 1.5, True, "two"])
def test_parse_workers_must_be_a_whole_number_from_0_to_64(value: object) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_dict({"tracker": {"parse_workers": value}})

    assert str(raised.value) == f"config: tracker.parse_workers: must be a whole number from 0 to 64, got {value!r}"


def test_parse_workers_default_leaves_a_core_to_the_crawler() -> None:
    assert settings_from_dict({}).tracker.parser_processes == min(4, (os.cpu_count() or 1) - 1)
    assert settings_from_dict({"tracker": {"parse_workers": 0}}).tracker.parser_processes == 0


HARD_EXIT_AFTER_PARSING = """
import asyncio, os, sys
from tracker.pipeline.workers import ParserPool
parser = ParserPool(1)
body = open(sys.argv[1], "rb").read()
asyncio.run(parser.prepare(body, url="https://a/1", content_type="text/plain"))
print(*parser._pools[1]._processes, flush=True)
os._exit(0)  # like SIGKILL or a test runner's hard exit: no atexit, no executor shutdown
"""


@pytest.mark.slow
def test_parser_processes_end_when_the_crawler_is_gone() -> None:
    seed = next(Path(SHARED_FIXTURES, "seeds").glob("000_*.txt"))
    done = subprocess.run(
        [sys.executable, "-c", HARD_EXIT_AFTER_PARSING, str(seed)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert workers

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)

    assert not any(alive(pid) for pid in workers)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


APPLICATION_PACKAGES = ("sqlalchemy", "sqlmodel", "httpx", "typer", "rich", "notifiers", "sources", "storage.documents")

PARSER_PROCESS_IMPORTS = f"""
import asyncio, functools, sys
from tracker.pipeline.workers import ParserPool
parser = ParserPool(1)
loaded = functools.partial(eval, "sorted(m for m in __import__('sys').modules if m.startswith({APPLICATION_PACKAGES!r}))")

async def parse_then_look() -> list[str]:
    await parser.prepare(open(sys.argv[1], "rb").read(), url="https://a/1", content_type="text/plain")
    return await parser.run(loaded)

print(*asyncio.run(parse_then_look()))
"""


@pytest.mark.slow
def test_a_parser_process_loads_the_parser_and_not_the_whole_application() -> None:
    seed = next(Path(SHARED_FIXTURES, "seeds").glob("000_*.txt"))

    done = subprocess.run([sys.executable, "-c", PARSER_PROCESS_IMPORTS, str(seed)], capture_output=True, text=True, timeout=60)

    # The database layer, HTTP client and CLI would cost each parser process ~55 MB.
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_the_tracker_script_imports_only_its_entry_module() -> None:
    """`spawn` re-imports the main script in every parser process: `tracker` must stay light."""
    probe = "import sys, tracker.console; print(*sorted(m for m in sys.modules if m.startswith(('tracker', 'typer'))))"

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)

    assert done.stdout.split() == ["tracker", "tracker.console"]
