"""Bad input gets one clear line and exit 2: configurations, database URLs, terminal output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from storage.engine import open_database
from tests.conftest import Cli
from tracker.pipeline import ingest_file


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[source]]\nname = "a"\nkind = "files"\npaths = ["."]\ndelay = inf\n', "source[0].delay: must be a number from 0 to 3600, got inf"),
        ('[[source]]\nname = "a"\nkind = "files"\npaths = ["."]\ndelay = nan\n', "source[0].delay: must be a number from 0 to 3600, got nan"),
        ('[[source]]\nname = "a"\nkind = "files"\npaths = ["."]\nmax_pages = 1.5\n', "source[0].max_pages: must be a whole number from 1 to 100000, got 1.5"),
        ("[tracker]\nwarning_days = 9223372036854775807\n", "tracker.warning_days: must be a whole number from 0 to 36500"),
        ("[tracker]\nremoval_after_runs = inf\n", "tracker.removal_after_runs: must be a whole number from 1 to 10000, got inf"),
        ('[tracker]\ntimezone = ""\n', "tracker.timezone: unknown time zone ''"),
        ('[tracker]\nsweep_time = ""\n', "tracker.sweep_time: must be HH:MM, got ''"),
        (
            '[[subscription]]\nname = "d"\nchannel = "console"\nmode = "digest"\nschedule = "0 0 30 2 *"\n',
            "subscription[0].schedule: invalid schedule '0 0 30 2 *': it never fires (no such date)",
        ),
        (
            '[[source]]\nname = "a"\nkind = "files"\npaths = ["."]\nschedule = "every 99999999999d"\n',
            "source[0].schedule: invalid schedule 'every 99999999999d': the interval must be longer than zero and at most 366d",
        ),
        (
            '[[source]]\nname = "a"\nkind = "files"\npaths = ["."]\nschedule = "every 1h jitter 2h"\n',
            "jitter 7200s is longer than the interval 3600s",
        ),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: arrays or tables nested too deeply"),
    ],
)
def test_a_broken_configuration_is_one_line_and_exit_2(tmp_path: Path, toml: str, message: str, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = cli("--db", f"sqlite:///{tmp_path / 'x.db'}", "--config", str(config), "crawl")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


@pytest.mark.parametrize("target", ["directory", "/dev/zero", "/dev/null"])
def test_config_must_name_a_regular_file(tmp_path: Path, target: str, cli: Cli) -> None:
    path = str(tmp_path) if target == "directory" else target
    code, out, err = cli("--config", path, "crawl")
    assert code == 2
    assert err.strip().splitlines() == [f"error: {path}: {'is a directory' if target == 'directory' else 'is not a regular file'}; --config names the tracker.toml file"]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("tracker.db", "it is not a URL"),
        ("sqlite://tracker.db", "a SQLite URL has three slashes"),
        ("mysql://user:pw@db/tracker", "the scheme 'mysql' is not supported"),
        ("postgresql+psycopg2://user@db/tracker", "the scheme 'postgresql+psycopg2' is not supported"),
    ],
)
def test_a_bad_database_url_says_what_a_valid_one_looks_like(url: str, problem: str, cli: Cli) -> None:
    code, out, err = cli("--db", url, "docs")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert problem in line
    assert "sqlite:///tracker.db" in line and "postgresql://user@host/dbname" in line
    assert ":pw@" not in line


def test_control_characters_in_stored_text_do_not_reach_the_terminal(db_url: str, tmp_path: Path, cli: Cli) -> None:
    db = db_url
    page = tmp_path / "evil.html"
    evil_title = "关于\x1b[2J\x1b]8;;http://evil.example/\x07点我\x1b]8;;\x07的通知[/bold]"
    page.write_text(
        f"<html><head><title>{evil_title}</title></head><body><h1>{evil_title}</h1>"
        "<p>一、为了\x1b[31m推动\x9b产业发展，制定本办法。</p><p>二、本办法自2025年1月1日起施行。</p></body></html>",
        encoding="utf-8",
    )
    engine = open_database(db)
    try:
        ingest_file(engine, page, url="https://example.gov.cn/evil.html", fetched_at=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
    finally:
        engine.dispose()
    for command in (["docs"], ["events"], ["search", "推动"], ["show", "1"], ["history", "1"]):
        code, out, err = cli("--db", db, *command)
        assert code == 0, (command, err)
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, command
    code, out, _err = cli("--db", db, "docs", "--json")
    assert json.loads(out)[0]["title"].count("\x1b") == 3  # JSON keeps the data, escaped


SECRET = "https://oapi.dingtalk.com/robot/send?access_token=dingTOKEN5f3a9c"
LISTING = '[[source]]\nname = "s"\nkind = "listing"\nstart_urls = ["https://example.gov.cn/"]\nitem = "li"\n'
EMAIL = '[[subscription]]\nname = "m"\nchannel = "email"\nto = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "smtp.example.org"\n'


@pytest.mark.parametrize(
    "toml",
    [
        LISTING + 'allowed_hosts = ["${LEAKY}"]\n',
        LISTING.replace('["https://example.gov.cn/"]', '["x${LEAKY}"]'),
        LISTING.replace('item = "li"', 'item = "${LEAKY}"'),
        LISTING + 'schedule = "every ${LEAKY}"\n',
        EMAIL + 'smtp_port = "${LEAKY}"\n',
        EMAIL + 'security = "${LEAKY}"\n',
        EMAIL.replace('to = "a@example.org"', 'to = ["${LEAKY}"]'),
    ],
)
def test_an_error_about_a_value_from_the_environment_names_the_variable(tmp_path: Path, toml: str, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = cli("notify", "test", "m", config=config, env={"LEAKY": SECRET})
    assert code == 2
    assert "${LEAKY}" in err
    assert "dingTOKEN" not in err + out
