"""`tracker docs --status --as-of`, `show`, `expiring` and `sweep` on the ingested seeds (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from storage.engine import open_database
from storage.tables import Delivery, Event
from tracker.cli import app

TRACKER = Path(sys.executable).with_name("tracker")  # the console script, as users run it
URLS = {key: f"https://www.hangzhou.gov.cn/seeds/{key}.html" for key in ("000", "001", "002")}
PLAN = "《杭州市未来产业培育行动计划（2025—2026年）》"
REPEAL_SENTENCE = (
    "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"
)


def run(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", db_url, *args], env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def run_json(db_url: str, *args: str) -> object:
    code, out, err = run(db_url, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def seeded(db_url: str, seed_paths: dict[str, Path]) -> str:
    for key, url in URLS.items():
        code, _, err = run(db_url, "ingest", str(seed_paths[key]), "--url", url, "--at", "2026-08-01T09:00+08:00")
        assert code == 0, err
    return db_url


def test_docs_filters_by_status_on_the_date(seeded: str) -> None:
    repealed = run_json(seeded, "docs", "--status", "repealed", "--as-of", "2026-11-22")
    assert isinstance(repealed, list)
    assert [(d["doc_number"], d["status"], d["status_since"], d["status_by"], d["status_evidence"]) for d in repealed] == [
        ("杭政〔2017〕66号", "repealed", "2025-01-31", PLAN, REPEAL_SENTENCE)
    ]
    expiring = run_json(seeded, "docs", "--status", "expiring", "--as-of", "2026-11-22")
    assert [(d["url"], d["status_label"], d["as_of"]) for d in expiring] == [(URLS["001"], "即将失效", "2026-11-22")]  # type: ignore[index,union-attr]
    earlier = run_json(seeded, "docs", "--status", "not_yet_effective", "--as-of", "2026-01-01")
    assert [d["url"] for d in earlier] == [URLS["000"]]  # type: ignore[index,union-attr]
    expired = run_json(seeded, "docs", "--status", "expired", "--as-of", "2027-01-01")
    assert [d["url"] for d in expired] == [URLS["001"]]  # type: ignore[index,union-attr]


def test_show_answers_repealed_by_whom_from_when_with_the_sentence(seeded: str) -> None:
    code, out, err = run(seeded, "show", "杭政[2017]66号", "--as-of", "2026-11-22")
    assert code == 0, err
    assert "已废止 repealed since 2025-01-31" in out
    assert f"by        {PLAN}" in out
    assert REPEAL_SENTENCE in out
    assert "repeals ← " in out
    shown = run_json(seeded, "show", "杭政〔2017〕66号", "--as-of", "2026-11-22")
    assert isinstance(shown, dict)
    assert (shown["status"], shown["status_since"], shown["status_by"], shown["is_placeholder"]) == (
        "repealed",
        "2025-01-31",
        PLAN,
        True,
    )
    assert [(r["direction"], r["kind"], r["document_title"]) for r in shown["relations"]] == [
        ("incoming", "repeals", "杭州市人民政府关于印发杭州市未来产业培育行动计划（2025—2026年）的通知")
    ]


def test_expiring_lists_documents_ending_within_the_days(seeded: str) -> None:
    soon = run_json(seeded, "expiring", "--within", "60", "--as-of", "2026-11-22")
    assert [(d["url"], d["expires_on"], d["days_left"], d["status"]) for d in soon] == [  # type: ignore[index,union-attr]
        (URLS["001"], "2026-12-31", 39, "expiring")
    ]
    later = run_json(seeded, "expiring", "--within", "800", "--as-of", "2026-11-22")
    assert [d["url"] for d in later] == [URLS["001"], URLS["002"], URLS["000"]]  # type: ignore[index,union-attr]
    assert run_json(seeded, "expiring", "--within", "30", "--as-of", "2026-11-22") == []
    code, out, _ = run(seeded, "expiring", "--as-of", "2026-11-22")
    assert code == 0 and "即将失效 expiring" in out and "39" in out


def test_warning_days_come_from_the_config(seeded: str, tmp_path: Path) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text("[tracker]\nwarning_days = 30\n", encoding="utf-8")
    shown = run_json(seeded, "--config", str(config), "show", URLS["001"], "--as-of", "2026-11-22")
    assert isinstance(shown, dict) and shown["status"] == "in_force"


def test_bad_input_is_one_line_and_exit_2(seeded: str) -> None:
    for args in (("docs", "--status", "valid"), ("docs", "--as-of", "22/11/2026"), ("expiring", "--as-of", "tomorrow")):
        code, out, err = run(seeded, *args)
        assert (code, out, len(err.strip().splitlines())) == (2, "", 1), args
        assert err.startswith("error: ")


def test_sweep_rerun_in_a_new_process_records_nothing_again(seeded: str) -> None:
    first = run_json(seeded, "sweep", "--as-of", "2026-10-02")
    assert isinstance(first, dict)
    assert [(e["kind"], e["payload"].get("to") or e["payload"].get("threshold")) for e in first["events"]] == [
        ("status_changed", "expiring"),
        ("expiry_reminder", 90),
    ]
    assert (first["assessed"], first["updated"]) == (4, 1)
    restarted = subprocess.run(
        [str(TRACKER), "--db", seeded, "sweep", "--as-of", "2026-10-02", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert (json.loads(restarted.stdout)["updated"], json.loads(restarted.stdout)["events"]) == (0, [])
    assert run_json(seeded, "sweep", "--as-of", "2026-10-03") == {"as_of": "2026-10-03", "assessed": 4, "updated": 0, "events": []}
    code, out, _ = run(seeded, "sweep", "--as-of", "2026-12-01")
    assert code == 0
    assert out.splitlines() == [
        "swept 4 documents as of 2026-12-01: 0 updated, 0 status changes, 1 reminders",
        f"  [{first['events'][0]['document_id']}] ends 2026-12-31 (30 days left)",
    ]


def test_sweep_queues_alerts_for_the_configured_subscriptions(seeded: str, tmp_path: Path) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[subscription]]\nname = "legal-team"\nchannel = "console"\nevents = ["status_changed", "expiry_reminder"]\n',
        encoding="utf-8",
    )
    code, _, err = run(seeded, "--config", str(config), "sweep", "--as-of", "2026-10-02")
    assert code == 0, err
    engine = open_database(seeded)
    with Session(engine) as session:
        owed = session.exec(select(Event.kind, Delivery.subscription).join(Delivery, col(Delivery.event_id) == Event.id)).all()
    engine.dispose()
    assert sorted(owed) == [("expiry_reminder", "legal-team"), ("status_changed", "legal-team")]
