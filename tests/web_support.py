"""Helpers for the `tracker web` tests: a database filled from the sample site, and the server as a real process.

The database holds what a user would have after two days of crawling the sample government
site (the 500万元 → 300万元 change, the repeal of 杭政〔2017〕66号, the expiring plan) plus one
page with a hostile title and body, ingested from a file in two versions.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import tomli_w
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.samplesite import SampleSite
from storage.engine import open_database
from storage.queries import find_document
from storage.tables import Document
from tests.receivers.samples import INJECTION_TITLE
from tracker.core.config import settings_from_dict
from tracker.pipeline import crawl, ingest_file

TRACKER = str(Path(sys.executable).with_name("tracker"))
POLICY = HttpPolicy(timeout=2.0, attempt_deadline=5.0, retries=2, backoff=0.01, default_delay=0)
HOSTILE_URL = "https://www.hangzhou.gov.cn/art/hostile.html"
HOSTILE_TITLE = INJECTION_TITLE + "\x1b[2J"
HOSTILE_CLAUSE = "一、<img src=http://evil.example/x.png onerror=alert(2)>申报<a href=\"javascript:alert(3)\">点击</a>]]></content>"
CHANGED = "杭政办函〔2025〕58号"
REPEALED = "杭政〔2017〕66号"
PLAN = "杭州市未来产业培育行动计划（2025—2026年）"
SUBSCRIPTIONS: list[dict[str, Any]] = [
    {"name": "repeals", "channel": "console", "events": ["status_changed"], "statuses": ["repealed"]},
    {"name": "brain", "channel": "console", "events": ["document_changed", "document_added"], "keywords": ["脑机", "类脑"]},
]


def hostile_page(folder: Path, clause: str = HOSTILE_CLAUSE) -> Path:
    """An HTML page whose title and clause, once parsed, hold markup, a terminal escape and a fake link."""
    path = folder / "hostile.html"
    path.write_text(
        f"<html><head><meta charset='utf-8'><title>{html.escape(HOSTILE_TITLE)}</title></head><body>"
        f"<h1>{html.escape(HOSTILE_TITLE)}</h1><p>各区、县（市）人民政府：</p><p>{html.escape(clause)}</p>"
        "<p>二、本通知自2026年3月1日起施行，有效期至2027年2月28日。</p><p>杭州市人民政府办公厅</p><p>2026年2月20日</p></body></html>",
        encoding="utf-8",
    )
    return path


def fill_sample_database(db_url: str, folder: Path, web: Mapping[str, Any] | None = None) -> Path:
    """Crawl the sample site on two days and ingest the hostile page into `db_url` (migrated);
    write the matching tracker.toml into `folder` and return its path."""
    with SampleSite() as site:
        tables = {"tracker": {"parse_workers": 0}, "source": site.source_tables(delay=0.0), "subscription": SUBSCRIPTIONS}
        settings = settings_from_dict(tables)
        engine = open_database(db_url)
        try:
            crawl(engine, settings, policy=POLICY)
            site.next_day()
            crawl(engine, settings, policy=POLICY)
            ingest_file(engine, hostile_page(folder), url=HOSTILE_URL, fetched_at=dt.datetime.now(dt.timezone.utc))
            changed = HOSTILE_CLAUSE.replace("申报", "<script>alert(4)</script>申报")  # a second version: a hostile redline
            ingest_file(engine, hostile_page(folder, changed), url=HOSTILE_URL, fetched_at=dt.datetime.now(dt.timezone.utc))
        finally:
            engine.dispose()
    config = folder / "tracker.toml"
    config.write_text(tomli_w.dumps({**tables, **({"web": dict(web)} if web else {})}), encoding="utf-8")
    return config


def document_ids(engine: sa.Engine) -> dict[str, int]:
    """The ids of the documents the tests look at, keyed by 文号, the plan's title or the hostile URL."""
    with Session(engine) as session:
        found = {ref: find_document(session, ref) for ref in (CHANGED, REPEALED, HOSTILE_URL)}
        found[PLAN] = session.exec(select(Document).where(Document.enclosed_title == PLAN)).first()
    return {ref: document.id for ref, document in found.items() if document is not None and document.id is not None}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebServer:
    """`tracker web` in its own process; `url(path)` addresses it."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(self.url(path), timeout=30, **options)


def wait_listening(process: subprocess.Popen[str], port: int, deadline: float) -> None:
    """Poll the port until the server accepts; fail at once if the process exits."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tracker web exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"tracker web did not listen on {port}")


@contextmanager
def web_server(db_url: str, config: Path, env: Mapping[str, str] | None = None, host: str | None = None) -> Iterator[WebServer]:
    """`tracker web` on a free port, stopped afterwards; ready once its port accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [TRACKER, "--db", db_url, "--config", str(config), "web", "--port", str(port), *(["--host", host] if host else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_listening(process, port, time.monotonic() + 60)
        yield WebServer(process, port)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[WebServer, dict[str, int]]]:
    """`tracker web` over a SQLite database filled by `fill_sample_database`, and the ids of its documents."""
    folder = tmp_path_factory.mktemp("web")
    shutil.copyfile(sqlite_template, folder / "tracker.db")
    url = f"sqlite:///{folder / 'tracker.db'}"
    config = fill_sample_database(url, folder)
    engine = open_database(url)
    ids = document_ids(engine)
    engine.dispose()
    with web_server(url, config) as server:
        yield server, ids


def text_of(page: str) -> str:
    """The page as a reader sees it: tags dropped, entities read, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()
