"""Shared test fixtures: paths to the real documents in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

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

import os  # noqa: E402
import shutil  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import sqlalchemy as sa  # noqa: E402

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


def _truncate_all(url: str) -> None:
    from sqlmodel import SQLModel

    import storage.tables  # noqa: F401

    engine = sa.create_engine(url)
    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database; parametrised over SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database_url")
    _truncate_all(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    from storage.engine import open_database

    engine = open_database(db_url)
    yield engine
    engine.dispose()


def assert_search_index_consistent(engine: sa.Engine) -> None:
    """On SQLite, FTS5 compares its index with search_entry (rank 1) and raises on any
    difference; PostgreSQL's index is a generated column and cannot drift."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
