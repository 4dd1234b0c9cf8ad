"""Secrets stay secret: a full daemon cycle with every webhook token in the environment.

The daemon crawls the sample site and delivers through DingTalk (signed), WeCom, Slack,
Feishu (signed) and a signed webhook, logging at debug level (httpx and httpcore
included). Afterwards no log line, no CLI output, no error message and no database row
may contain any of the secrets; and the read commands work without them in the
environment at all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomli_w

from sources.samplesite import SampleSite
from storage.engine import create_engine, init_database
from tests.receivers.platforms import DingTalkReceiver, FeishuReceiver, SlackReceiver, WebhookReceiver, WeComReceiver
from tests.test_daemon_run import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TRACKER = str(Path(sys.executable).with_name("tracker"))


def token(label: str) -> str:
    return f"{label}{uuid.uuid4().hex}"


def all_rows(engine: sa.Engine) -> str:
    """Every row of every table, as one text to search."""
    lines = []
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            if table.startswith("search_fts") or table == "alembic_version":
                continue
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                lines.append(repr(tuple(row)))
    return "\n".join(lines)


def tracker(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRACKER, *args], capture_output=True, text=True, env=env, timeout=120)


def test_a_daemon_cycle_never_shows_a_secret(db_url: str, tmp_path: Path) -> None:
    secrets = {
        "dingtalk_token": token("dtk"),
        "dingtalk_secret": "SEC" + token("dsec"),
        "wecom_key": token("wck"),
        "slack_token": f"T{uuid.uuid4().hex[:8]}/B{uuid.uuid4().hex[:8]}/{token('slk')}",
        "feishu_hook": token("fsh"),
        "feishu_secret": token("fss"),
        "webhook_secret": token("whs"),
    }
    dingtalk = DingTalkReceiver(access_token=secrets["dingtalk_token"], secret=secrets["dingtalk_secret"])
    wecom = WeComReceiver(key=secrets["wecom_key"])
    slack = SlackReceiver(token=secrets["slack_token"])
    feishu = FeishuReceiver(hook=secrets["feishu_hook"], secret=secrets["feishu_secret"])
    webhook = WebhookReceiver(secret=secrets["webhook_secret"])
    receivers = (dingtalk, wecom, slack, feishu, webhook)
    for receiver in receivers:
        receiver.start()
    try:
        with SampleSite() as site:
            env = {
                **os.environ,
                "DINGTALK_WEBHOOK": dingtalk.webhook_url,
                "DINGTALK_SECRET": secrets["dingtalk_secret"],
                "WECOM_WEBHOOK": wecom.webhook_url,
                "SLACK_WEBHOOK": slack.webhook_url,
                "FEISHU_WEBHOOK": feishu.webhook_url,
                "FEISHU_SECRET": secrets["feishu_secret"],
                "WEBHOOK_SECRET": secrets["webhook_secret"],
            }
            (hanweb, *_others) = site.source_tables(delay=0.01)
            config = tmp_path / "tracker.toml"
            config.write_text(
                tomli_w.dumps(
                    {
                        "source": [{**hanweb, "schedule": "every 1h"}],
                        "subscription": [
                            {"name": "dt", "channel": "dingtalk", "url": "${DINGTALK_WEBHOOK}", "secret": "${DINGTALK_SECRET}"},
                            {"name": "wc", "channel": "wecom", "url": "${WECOM_WEBHOOK}"},
                            {"name": "sl", "channel": "slack", "url": "${SLACK_WEBHOOK}"},
                            {"name": "fs", "channel": "feishu", "url": "${FEISHU_WEBHOOK}", "secret": "${FEISHU_SECRET}"},
                            {"name": "wh", "channel": "webhook", "url": webhook.webhook_url, "secret": "${WEBHOOK_SECRET}"},
                        ],
                    }
                ),
                encoding="utf-8",
            )
            init_database(db_url)
            daemon = subprocess.Popen(
                [TRACKER, "--db", db_url, "--config", str(config), "run", "--log-format", "json", "--log-level", "debug",
                 "--dispatch-every", "0.5", "--heartbeat-every", "0.5"],
                stdout=(tmp_path / "daemon.out").open("w"),
                stderr=(tmp_path / "daemon.log").open("w"),
                env=env,
            )  # fmt: skip
            try:
                wait_for(lambda: all(receiver.accepted for receiver in receivers), "a delivery on every channel")
            finally:
                daemon.send_signal(signal.SIGTERM)
                code = daemon.wait(timeout=60)
            assert code == 0
            logs = (tmp_path / "daemon.log").read_text(encoding="utf-8") + (tmp_path / "daemon.out").read_text(encoding="utf-8")
            assert "/robot/send?access_token=***&timestamp=***&sign=***" in logs  # logged, and redacted

            # A broken value from the environment is named by its variable, never shown.
            bad = tmp_path / "bad.toml"
            bad.write_text(
                tomli_w.dumps({"source": [{**hanweb, "allowed_hosts": ["${DINGTALK_WEBHOOK}"]}]}), encoding="utf-8"
            )
            refused = tracker(["--db", db_url, "--config", str(bad), "crawl"], env)
            assert refused.returncode == 2
            assert "${DINGTALK_WEBHOOK}" in refused.stderr

            # Read commands need none of the secrets; sending ones say which variable is missing.
            bare = dict(os.environ)
            outputs = [refused.stdout + refused.stderr]
            for command in (["docs"], ["events"], ["search", "人工智能"], ["sources"], ["status"], ["deliveries"],
                            ["expiring"], ["show", "1"], ["history", "1"]):  # fmt: skip
                done = tracker(["--db", db_url, "--config", str(config), *command], bare)
                assert done.returncode == 0, (command, done.stderr)
                outputs.append(done.stdout + done.stderr)
            sending = tracker(["--db", db_url, "--config", str(config), "notify", "test", "dt"], bare)
            assert sending.returncode == 2
            assert "environment variable DINGTALK_WEBHOOK is not set" in sending.stderr
            for command in (["deliveries", "--json"], ["notify", "test", "sl"]):
                done = tracker(["--db", db_url, "--config", str(config), *command], env)
                outputs.append(done.stdout + done.stderr)
            engine = create_engine(db_url)
            try:
                rows = all_rows(engine)
            finally:
                engine.dispose()
    finally:
        for receiver in receivers:
            receiver.stop()

    everything = {"daemon log": logs, "cli output": "\n".join(outputs), "database": rows}
    for where, text in everything.items():
        for name, secret in secrets.items():
            for part in secret.split("/"):
                assert part not in text, f"{name} leaked into the {where}"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_every_log_line_is_redacted_whatever_its_logger_and_level(log_format: str) -> None:
    import io
    import logging

    from tracker.logging import configure_logging
    from tracker.core.redact import register_secret

    register_secret("SMTPpassword-7d1e")
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(log_format, "debug", stream)
    try:
        url = "https://oapi.dingtalk.com/robot/send?access_token=tok123456&timestamp=1&sign=abc%2B"
        logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "POST", url, "HTTP/1.1", 200, "OK")
        logging.getLogger("httpcore.http11").debug("send_request_headers.started request=%s", url)
        logging.getLogger("notifiers").warning("to https://hooks.slack.com/services/T0/B0/slacktoken9", extra={"hook": "https://u:pw123456@h/x"})
        try:
            raise ValueError("login failed with SMTPpassword-7d1e for https://open.feishu.cn/open-apis/bot/v2/hook/feishuhook77")
        except ValueError:
            logging.getLogger("tracker").exception("send failed")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    written = stream.getvalue()
    assert "access_token=***&timestamp=***&sign=***" in written
    for secret in ("tok123456", "slacktoken9", "pw123456", "SMTPpassword-7d1e", "feishuhook77"):
        assert secret not in written, secret
