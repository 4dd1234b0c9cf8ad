"""`tracker notify test`, `tracker digest`, `tracker deliveries [--state] [retry]` over real receivers."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from tests.conftest import Cli
from tests.receivers.events import document, event
from tests.receivers.platforms import DingTalkReceiver
from tracker.core.config import load_settings
from tracker.pipeline import dispatch_due
from tracker.pipeline.outbox import enqueue


def write_config(path: Path, url: str, secret: str) -> Path:
    path.write_text(
        f"""
[[subscription]]
name = "bci-team"
channel = "dingtalk"
url = "{url}"
secret = "{secret}"

[[subscription]]
name = "weekly"
channel = "console"
mode = "digest"
schedule = "0 9 * * MON"
""",
        encoding="utf-8",
    )
    return path


def add_event(engine: sa.Engine, config: Path) -> None:
    settings = load_settings(config)
    with Session(engine) as session:
        doc, version = document(session, "杭州市促进脑机接口产业发展若干措施")
        enqueue(session, [event(session, "document_added", doc, version)], settings.subscriptions)
        session.commit()


def test_notify_test_reports_the_platforms_verdict(db_url: str, tmp_path: Path, cli: Cli) -> None:
    with DingTalkReceiver(secret="SECgood") as robot:
        good = write_config(tmp_path / "good.toml", robot.webhook_url, "SECgood")
        bad = write_config(tmp_path / "bad.toml", robot.webhook_url, "SECbad")
        assert cli("notify", "test", "bci-team", db=db_url, config=good)[:2] == (0, "sent a test alert to bci-team (dingtalk)\n")
        code, _, stderr = cli("notify", "test", "bci-team", db=db_url, config=bad)
        missing = cli("notify", "test", "nobody", db=db_url, config=good)
        (request,) = robot.accepted
    assert "500万元 → 300万元" in request.json["markdown"]["text"]
    assert code == 2
    assert stderr == "error: bci-team (dingtalk): DingTalk errcode 310000: sign not match [code 310000, permanent]\n"
    assert missing[0] == 2 and "no subscription named 'nobody'" in missing[2]


def test_dead_delivery_is_listed_with_its_code_and_retried(db_url: str, engine: sa.Engine, tmp_path: Path, cli: Cli) -> None:
    with DingTalkReceiver(secret="SECgood") as robot:
        bad = write_config(tmp_path / "bad.toml", robot.webhook_url, "SECbad")
        add_event(engine, bad)
        pending = cli("deliveries", "retry", "1", db=db_url, config=bad)
        assert dispatch_due(engine, load_settings(bad)).dead == 1
        code, out, _ = cli("deliveries", "--state", "dead", db=db_url, config=bad)
        assert code == 0
        assert out == (
            "#1  dead     bci-team (dingtalk, immediate)  tries 1  event 1 document_added: 杭州市促进脑机接口产业发展若干措施\n"
            "      310000: DingTalk errcode 310000: sign not match\n"
        )
        listed = json.loads(cli("deliveries", "--state", "dead", "--json", db=db_url, config=bad)[1])["deliveries"]
        assert [(d["id"], d["state"], d["last_error_code"]) for d in listed] == [(1, "dead", "310000")]
        good = write_config(tmp_path / "good.toml", robot.webhook_url, "SECgood")
        assert cli("deliveries", "retry", "1", db=db_url, config=good)[:2] == (0, "delivery 1 sent\n")
        again = cli("deliveries", "retry", "1", db=db_url, config=good)
        assert len(robot.accepted) == 1
    assert pending[:3] == (2, "", "error: delivery 1 is pending; only dead or failed deliveries can be retried\n")
    assert again[0] == 2 and again[2] == "error: delivery 1 is sent; only dead or failed deliveries can be retried\n"
    assert "no deliveries in state dead" in cli("deliveries", "--state", "dead", db=db_url, config=good)[1]


def test_digest_preview_then_send(db_url: str, engine: sa.Engine, tmp_path: Path, cli: Cli) -> None:
    config = write_config(tmp_path / "tracker.toml", "http://127.0.0.1:9/robot/send?access_token=x", "s")
    add_event(engine, config)
    code, preview, _ = cli("digest", "weekly", "--preview", db=db_url, config=config)
    assert code == 0 and "== 新增文件 New documents (1) ==" in preview and "杭州市促进脑机接口产业发展若干措施" in preview
    code, out, _ = cli("digest", db=db_url, config=config)
    assert code == 0 and "[新增文件 new document] 杭州市促进脑机接口产业发展若干措施" in out
    assert out.rstrip().endswith("weekly: sent a digest of 1 alert(s)")
    assert cli("digest", db=db_url, config=config)[1] == "weekly: nothing new since the last digest; nothing sent\n"


def add_events(engine: sa.Engine, config: Path, titles: list[str]) -> None:
    settings = load_settings(config)
    with Session(engine) as session:
        for n, title in enumerate(titles, start=1):
            doc, version = document(session, title, n=n)
            enqueue(session, [event(session, "document_added", doc, version)], settings.subscriptions)
        session.commit()


def test_discarded_deliveries_are_kept_listed_and_never_sent(db_url: str, engine: sa.Engine, tmp_path: Path, cli: Cli) -> None:
    titles = ["杭州市第一号办法", "杭州市第二号办法", "杭州市第三号办法"]
    with DingTalkReceiver(secret="SECgood") as robot:
        config = write_config(tmp_path / "tracker.toml", robot.webhook_url, "SECgood")
        add_events(engine, config, titles)  # deliveries 1..6: each event to bci-team, then to the weekly digest
        by_id = cli("deliveries", "discard", "1", db=db_url, config=config)
        by_event = cli("deliveries", "discard", "--event", "2", "--subscription", "bci-team", db=db_url, config=config)
        assert dispatch_due(engine, load_settings(config)).sent == 1
        (request,) = robot.accepted
        everything_waiting = cli("deliveries", "discard", "--all-pending", db=db_url, config=config)
        digest = cli("digest", "weekly", db=db_url, config=config)
        sent_one = cli("deliveries", "discard", "5", db=db_url, config=config)
        listed = json.loads(cli("deliveries", "--json", db=db_url, config=config)[1])["deliveries"]
        assert dispatch_due(engine, load_settings(config)).sent == 0
        assert len(robot.accepted) == 1
    assert "杭州市第三号办法" in request.json["markdown"]["text"]
    assert by_id[:2] == (0, "discarded 1 delivery: #1\n")
    assert by_event[:2] == (0, "discarded 1 delivery: #3\n")
    assert everything_waiting[:2] == (0, "discarded 3 deliveries: #2, #4, #6\n")
    assert digest[1] == "weekly: nothing new since the last digest; nothing sent\n"
    assert sent_one[:2] == (0, "discarded 0 deliveries\n#5 is sent; left as it is\n")
    assert [(d["id"], d["state"]) for d in listed] == [
        (6, "discarded"), (5, "sent"), (4, "discarded"), (3, "discarded"), (2, "discarded"), (1, "discarded")
    ]  # fmt: skip
    shown = cli("deliveries", "--state", "discarded", db=db_url, config=config)[1]
    assert shown.splitlines()[0].startswith("#6  discarded  weekly (console, digest)  tries 0")


def test_discard_needs_a_selection_and_known_ids(db_url: str, engine: sa.Engine, tmp_path: Path, cli: Cli) -> None:
    config = write_config(tmp_path / "tracker.toml", "http://127.0.0.1:9/robot/send?access_token=x", "s")
    add_event(engine, config)
    nothing = cli("deliveries", "discard", db=db_url, config=config)
    unknown = cli("deliveries", "discard", "1", "99", db=db_url, config=config)
    assert nothing == (2, "", "error: name the deliveries to discard: IDs, --event, --subscription or --all-pending\n")
    assert unknown == (2, "", "error: no delivery 99\n")
    assert [d["state"] for d in json.loads(cli("deliveries", "--json", db=db_url, config=config)[1])["deliveries"]] == ["pending", "pending"]
