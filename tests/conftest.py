"""Shared test fixtures: paths to the real documents in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

import notifiers.channels  # noqa: F401  (declares the channels a test's tracker.toml may name)
import sources  # noqa: F401  (declares the source kinds a test's tracker.toml may name)

REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
SEEDS = SHARED_FIXTURES / "seeds"
GOVCN = SHARED_FIXTURES / "govcn"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """The five seed documents by their number prefix: '000' … '004'."""
    return {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}


# --- Databases: every storage test runs on SQLite and on PostgreSQL ------------------------
# PostgreSQL at 127.0.0.1:5432 is required: if it is unreachable these tests fail, never skip.
# Each pytest process (xdist worker) migrates one database of its own once, `tracker_test_<uuid8>`,
# truncates it before each test and drops it at the end; SQLite tests copy a migrated template file.

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any, NamedTuple  # noqa: E402

import sqlalchemy as sa  # noqa: E402

# TRACKER_TEST_PG_URL names the server and a database to connect to for CREATE/DROP DATABASE.
PG_ADMIN_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storage.engine import init_database

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    init_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A migrated PostgreSQL database owned by this test process."""
    from storage.engine import init_database

    name = f"tracker_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        init_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


JOB_QUEUE_TABLES = ("procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers", "procrastinate_workers")


def _truncate_all(url: str) -> None:
    from sqlmodel import SQLModel

    import storage.tables  # noqa: F401

    engine = sa.create_engine(url)
    # procrastinate's job tables too (created by migration 0012): a test's queued jobs are its own
    tables = [table.name for table in SQLModel.metadata.sorted_tables] + list(JOB_QUEUE_TABLES)
    names = ", ".join(f'"{name}"' for name in tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def postgres_url(pg_database_url: str) -> str:
    """URL of an empty, migrated PostgreSQL database, for the tests that are about PostgreSQL only."""
    _truncate_all(pg_database_url)
    return pg_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database; parametrised over SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    from storage.engine import open_database

    engine = open_database(db_url)
    yield engine
    engine.dispose()


def assert_search_index_consistent(engine: sa.Engine) -> None:
    """On SQLite, FTS5 checks its own structure, and its contentless index must hold exactly
    the search entries, each with as many bigrams as its text has; PostgreSQL writes each
    row's tsvector with the row."""
    if engine.dialect.name != "sqlite":
        return
    from storage.search_fts import entry_text
    from tracker.core.grams import bigrams

    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
        texts = connection.exec_driver_sql(
            "SELECT e.id, c.text, e.text FROM search_entry e LEFT JOIN clause c ON c.id = e.clause_id"
        ).all()
        sizes = dict(connection.exec_driver_sql("SELECT id, sz FROM search_fts_docsize").all())
    expected = {entry_id: len(bigrams(entry_text(packed, text))) for entry_id, packed, text in texts}
    assert {entry_id: _varint(size) for entry_id, size in sizes.items()} == expected, "search_fts differs from search_entry"


def _varint(data: bytes) -> int:
    """The first column's token count in an FTS5 `_docsize` row (SQLite's varint)."""
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    return value


# --- Request pacing without wall-clock luck -------------------------------------------------
# A server thread starved on a loaded machine notes an arrival late, so gaps between noted
# arrivals can shrink below the delay the client kept. What the client booked cannot: each
# request's start is reserved in `HostPace.reserve`, and the request can only arrive after it.


@pytest.fixture
def booked_starts(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The monotonic times the HTTP client reserved for each request's start, in booking order."""
    import threading

    from sources.politeness import HostPace

    booked: list[float] = []
    reserve = HostPace.reserve
    one_at_a_time = threading.Lock()

    def recording(self: HostPace, spacing: float) -> float:
        with one_at_a_time:  # so the start read back is this reservation's, whichever thread books
            wait = reserve(self, spacing)
            booked.append(self._not_before - spacing)
        return wait

    monkeypatch.setattr(HostPace, "reserve", recording)
    return booked


def assert_paced(arrivals: list[float], booked: list[float], delay: float) -> None:
    """Every start was booked at least `delay` after the previous one, and no request
    arrived before its booked start (the k-th arrival is no earlier than the k-th booking)."""
    assert len(booked) == len(arrivals)
    starts = sorted(booked)
    assert all(b - a >= delay - 1e-9 for a, b in zip(starts, starts[1:])), starts
    assert all(arrived >= start - 1e-3 for arrived, start in zip(sorted(arrivals), starts))


# --- Running the CLI ------------------------------------------------------------------------


class CliResult(NamedTuple):
    code: int
    stdout: str
    stderr: str


class Cli:
    """Runs `tracker` in this process (typer's CliRunner), with `--db`/`--config` put before the
    command, and a 300-column terminal so tables never wrap an asserted value."""

    def __call__(
        self, *args: str, db: str | None = None, config: Path | None = None, env: dict[str, str] | None = None
    ) -> CliResult:
        from typer.testing import CliRunner

        from tracker.cli import app

        options = [*(["--db", db] if db else []), *(["--config", str(config)] if config else [])]
        result = CliRunner().invoke(app, [*options, *args], env={"COLUMNS": "300", **(env or {})})
        return CliResult(result.exit_code, result.stdout, result.stderr)

    def json(self, *args: str, db: str | None = None, config: Path | None = None) -> Any:
        """The parsed `--json` output of a command that must succeed."""
        code, out, err = self(*args, "--json", db=db, config=config)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli() -> Cli:
    return Cli()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    """Poll `condition` until it holds: for what another process does in its own time (a
    daemon's crawl, a server noticing a killed client). The bound is generous because CI
    is loaded; a passing test returns as soon as the condition holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def fresh_politeness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no host's pacing or robots.txt remembered.

    The HTTP client keeps both per host for the whole process (`Politeness.shared`), as a
    daemon should; but the sample sites of two tests in one xdist worker can get the same
    port, and a later test then inherited the earlier one's robots.txt rules (no request
    for robots.txt, no Crawl-delay) and its booked start times.
    """
    from sources.politeness import Politeness

    monkeypatch.setattr(Politeness, "_shared", {})
