"""tracker.toml validation: every mistake fails at start with the file, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.engine import init_database
from tests.conftest import Cli
from tracker.core.config import settings_from_dict
from tracker.core.errors import ConfigError


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[subscription]]\nname = "s"\nchannel = "slack"\nurl = "https://hooks.example.org/x"\nkeyword = "脑机"\n',
            "subscription[0] (s): unknown option(s) keyword for channel slack (known: send_empty)",
        ),
        (
            '[[subscription]]\nname = "s"\nchannel = "dingtalk"\nurl = "https://oapi.example.org/x"\nevnets = ["document_added"]\n',
            "subscription[0] (s): unknown option(s) evnets for channel dingtalk (known: keyword, send_empty)",
        ),
        (
            '[[source]]\nname = "docs"\nkind = "files"\npaths = ["."]\nschedule = "every 6 hours"\n',
            "source[0].schedule: invalid schedule 'every 6 hours'",
        ),
        (
            '[[subscription]]\nname = "d"\nchannel = "console"\nmode = "digest"\nschedule = "0 9 * *"\n',
            "subscription[0].schedule: invalid schedule '0 9 * *'",
        ),
        ("[tracker]\nreminder_days = [true]\n", "tracker.reminder_days: must be a list of whole numbers of days from 1 to 36500"),
        (
            '[[source]]\nname = "docs"\nkind = "files"\npaths = ["."]\nallowed_hosts = ["http://127.0.0.1"]\n',
            "source[0].allowed_hosts: 'http://127.0.0.1' is not a host name (drop the scheme)",
        ),
        ("[web]\nport = 0\n", "web.port: must be a whole number from 1 to 65535, got 0"),
        ('[web]\ntokn = "x"\n', "web: unknown key(s) tokn"),
        ('[tracker]\nbase_url = "ftp://policy.example.org"\n', "tracker.base_url: must be an http(s) URL"),
    ],
)
def test_config_mistakes_stop_every_command_with_one_line(tmp_path: Path, toml: str, message: str, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(toml, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 't.db'}"
    init_database(db)
    for command in (["docs"], ["sweep"], ["crawl"], ["sources"]):
        code, out, err = cli(*command, db=db, config=config)
        assert code == 2, command
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {config}: ") and message in lines[0], (command, err)


def test_secrets_are_expanded_inside_option_lists() -> None:
    settings = settings_from_dict(
        {
            "subscription": [
                {"name": "m", "channel": "email", "to": ["${TEAM}", "boss@example.org"], "from": "t@example.org", "smtp_host": "h"}
            ]
        },
        environ={"TEAM": "team@example.org"},
    )
    assert settings.subscriptions[0].options["to"] == ["team@example.org", "boss@example.org"]
    with pytest.raises(ConfigError, match=r"subscription\[0\]\.to: environment variable TEAM is not set"):
        settings_from_dict(
            {"subscription": [{"name": "m", "channel": "email", "to": ["${TEAM}"], "from": "t@example.org", "smtp_host": "h"}]},
            environ={},
        )


def source_with_hosts(*hosts: str) -> dict[str, object]:
    return {"source": [{"name": "gov", "kind": "listing", "start_urls": ["https://www.gov.cn/"], "item": "a", "allowed_hosts": list(hosts)}]}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("http://127.0.0.1", "drop the scheme"),
        ("https://www.gov.cn/zhengce/", "drop the scheme"),
        ("127.0.0.1:8080", "drop the port"),
        ("www.gov.cn/zhengce", "drop the path"),
        (" www.gov.cn", "remove the spaces"),
        ("", "empty"),
        ("*.gov.cn", "write '.gov.cn' for the domain and its subdomains"),
        ("[::1]", "write an IPv6 address without brackets"),
        ("gov..cn", "expected a host such as 'www.gov.cn', '.gov.cn' or '127.0.0.1'"),
    ],
)
def test_allowed_hosts_that_no_url_could_match_are_refused(entry: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_dict(source_with_hosts("www.gov.cn", entry), path=Path("tracker.toml"))

    assert str(raised.value) == f"tracker.toml: source[0].allowed_hosts: {entry!r} is not a host name ({problem})"


def test_allowed_hosts_accept_names_domains_and_addresses() -> None:
    hosts = ("www.gov.cn", ".gov.cn", "WWW.HANGZHOU.GOV.CN", "127.0.0.1", "::1", "localhost", "中国政府网.政务")

    settings = settings_from_dict(source_with_hosts(*hosts))

    assert settings.sources[0].allowed_hosts == hosts
