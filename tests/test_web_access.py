"""Who may read `tracker web`: loopback by default, a token anywhere else, checked on every URL."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest
import tomli_w

from tests.web_support import TRACKER, fill_sample_database, web_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

TOKEN = "s3cret-Token-for-tests"


def run_web(tmp_path: Path, config: dict[str, object], *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "tracker.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return subprocess.run(
        [TRACKER, "--db", f"sqlite:///{tmp_path / 'none.db'}", "--config", str(path), "web", *args],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


def test_listening_beyond_loopback_without_a_token_is_refused(tmp_path: Path) -> None:
    done = run_web(tmp_path, {}, "--host", "0.0.0.0", "--port", "8099")
    assert done.returncode == 2
    assert done.stderr == 'error: listening on 0.0.0.0 needs a token: set [web] token = "${TRACKER_WEB_TOKEN}" in tracker.toml\n'


def test_a_token_whose_variable_is_unset_is_refused_not_dropped(tmp_path: Path) -> None:
    done = run_web(tmp_path, {"web": {"token": "${TRACKER_WEB_TOKEN}"}}, "--port", "8099", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr == "error: web.token: environment variable TRACKER_WEB_TOKEN is not set\n"


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    done = run_web(tmp_path, {}, "--port", "8099")
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_a_port_in_use_is_one_line(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "none.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_web(tmp_path, {}, "--port", str(port))
    assert done.returncode == 2
    assert done.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_with_a_token_every_url_asks_for_it(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "tracker.db")
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    config = fill_sample_database(url, tmp_path, web={"token": "${TRACKER_WEB_TOKEN}"})
    with web_server(url, config, env={"TRACKER_WEB_TOKEN": TOKEN}, host="0.0.0.0") as server:
        for path in ("/documents", "/documents/1", "/api/documents", "/feeds/events.atom", "/calendar.ics"):
            refused = server.get(path)
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            assert TOKEN not in refused.text
            assert server.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert server.get(path, params={"token": TOKEN[:-1]}).status_code == 401
            assert server.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        linked = server.get("/calendar.ics", params={"token": TOKEN})  # a calendar app cannot send headers
        assert linked.status_code == 200
        cookie = linked.headers["set-cookie"]
        assert cookie.startswith(f"tracker_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        with httpx.Client(base_url=server.base, timeout=30) as browser:
            browser.cookies.set("tracker_token", TOKEN)
            assert browser.get("/documents").status_code == 200
