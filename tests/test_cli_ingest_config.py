"""`tracker ingest` honours tracker.toml: the warning window and the subscriptions that get alerts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli

URL = "https://www.hangzhou.gov.cn/art/2025/12/15/art_1229063387_59083211.html"


def test_ingest_uses_the_configured_window_and_queues_alerts(db_url: str, tmp_path: Path, seed_paths: dict[str, Path], cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        "[tracker]\nwarning_days = 1000\n\n"
        '[[subscription]]\nname = "team-hook"\nchannel = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
        'events = ["document_added"]\nkeywords = ["类脑"]\n\n'
        '[[subscription]]\nname = "other-topic"\nchannel = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
        'keywords = ["量子通信"]\n',
        encoding="utf-8",
    )
    code, out, err = cli("ingest", str(seed_paths["000"]), "--url", URL, "--at", "2026-08-01T09:00+08:00", "--json", db=db_url, config=config)
    assert code == 0, err
    assert [row["outcome"] for row in json.loads(out)] == ["added"]

    # 2028-12-31 is 882 days after 2026-08-01: inside a 1000-day window, so 即将失效 rather than 现行有效.
    code, out, err = cli("docs", "--as-of", "2026-08-01", "--json", db=db_url, config=config)
    assert code == 0, err
    assert [(doc["doc_number"], doc["status"]) for doc in json.loads(out)] == [("杭政办函〔2025〕58号", "expiring")]

    code, out, err = cli("deliveries", "--json", db=db_url, config=config)
    assert code == 0, err
    assert [(d["subscription"], d["state"]) for d in json.loads(out)["deliveries"]] == [("team-hook", "pending")]


def test_ingest_with_an_invalid_config_is_a_one_line_error(db_url: str, tmp_path: Path, seed_paths: dict[str, Path], cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text('[[subscription]]\nname = "x"\nchannel = "dingtalk"\nurl = "https://h/x"\nmode = "${NO_SUCH_VARIABLE_SET}"\n', encoding="utf-8")
    code, out, err = cli("ingest", str(seed_paths["000"]), "--url", URL, db=db_url, config=config)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        f"error: {config}: subscription[0].mode: environment variable NO_SUCH_VARIABLE_SET is not set"
    ]
