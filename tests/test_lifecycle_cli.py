"""`tracker docs --status --as-of`, `show`, `expiring` and `sweep` on the ingested seeds (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.engine import open_database
from storage.tables import Delivery, Event
from tests.conftest import Cli

URLS = {key: f"https://www.hangzhou.gov.cn/seeds/{key}.html" for key in ("000", "001", "002")}
PLAN = "《杭州市未来产业培育行动计划（2025—2026年）》"
REPEAL_SENTENCE = (
    "前发《杭州市人民政府关于加快推动杭州未来产业发展的指导意见》（杭政〔2017〕66号）自本行动计划施行之日起同时废止。"
)


@pytest.fixture
def seeded(db_url: str, seed_paths: dict[str, Path], cli: Cli) -> str:
    for key, url in URLS.items():
        code, _, err = cli("ingest", str(seed_paths[key]), "--url", url, "--at", "2026-08-01T09:00+08:00", db=db_url)
        assert code == 0, err
    return db_url


def test_docs_filters_by_status_on_the_date(seeded: str, cli: Cli) -> None:
    repealed = cli.json("docs", "--status", "repealed", "--as-of", "2026-11-22", db=seeded)
    assert isinstance(repealed, list)
    assert [(d["doc_number"], d["status"], d["status_since"], d["status_by"], d["status_evidence"]) for d in repealed] == [
        ("杭政〔2017〕66号", "repealed", "2025-01-31", PLAN, REPEAL_SENTENCE)
    ]
    expiring = cli.json("docs", "--status", "expiring", "--as-of", "2026-11-22", db=seeded)
    assert [(d["url"], d["status_label"], d["as_of"]) for d in expiring] == [(URLS["001"], "即将失效", "2026-11-22")]  # type: ignore[index,union-attr]
    earlier = cli.json("docs", "--status", "not_yet_effective", "--as-of", "2026-01-01", db=seeded)
    assert [d["url"] for d in earlier] == [URLS["000"]]  # type: ignore[index,union-attr]
    expired = cli.json("docs", "--status", "expired", "--as-of", "2027-01-01", db=seeded)
    assert [d["url"] for d in expired] == [URLS["001"]]  # type: ignore[index,union-attr]


def test_show_answers_repealed_by_whom_from_when_with_the_sentence(seeded: str, cli: Cli) -> None:
    code, out, err = cli("show", "杭政[2017]66号", "--as-of", "2026-11-22", db=seeded)
    assert code == 0, err
    assert "已废止 repealed since 2025-01-31" in out
    assert f"by        {PLAN}" in out
    assert REPEAL_SENTENCE in out
    assert "repeals ← " in out
    shown = cli.json("show", "杭政〔2017〕66号", "--as-of", "2026-11-22", db=seeded)
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


def test_expiring_lists_documents_ending_within_the_days(seeded: str, cli: Cli) -> None:
    soon = cli.json("expiring", "--within", "60", "--as-of", "2026-11-22", db=seeded)
    assert [(d["url"], d["expires_on"], d["days_left"], d["status"]) for d in soon] == [  # type: ignore[index,union-attr]
        (URLS["001"], "2026-12-31", 39, "expiring")
    ]
    later = cli.json("expiring", "--within", "800", "--as-of", "2026-11-22", db=seeded)
    assert [d["url"] for d in later] == [URLS["001"], URLS["002"], URLS["000"]]  # type: ignore[index,union-attr]
    assert cli.json("expiring", "--within", "30", "--as-of", "2026-11-22", db=seeded) == []
    code, out, _ = cli("expiring", "--as-of", "2026-11-22", db=seeded)
    assert code == 0 and "即将失效 expiring" in out and "39" in out


def test_warning_days_come_from_the_config(seeded: str, tmp_path: Path, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text("[tracker]\nwarning_days = 30\n", encoding="utf-8")
    shown = cli.json("--config", str(config), "show", URLS["001"], "--as-of", "2026-11-22", db=seeded)
    assert isinstance(shown, dict) and shown["status"] == "in_force"


def test_bad_input_is_one_line_and_exit_2(seeded: str, cli: Cli) -> None:
    for args in (("docs", "--status", "valid"), ("docs", "--as-of", "22/11/2026"), ("expiring", "--as-of", "tomorrow")):
        code, out, err = cli(*args, db=seeded)
        assert (code, out, len(err.strip().splitlines())) == (2, "", 1), args
        assert err.startswith("error: ")


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the day the CLI believes it is (noon in Asia/Shanghai): only today's sweep records."""
    import tracker.cli.lifecycle_cmd

    def set_today(day: str) -> None:
        noon = dt.datetime.fromisoformat(f"{day}T12:00+08:00")
        monkeypatch.setattr(tracker.cli.lifecycle_cmd, "utcnow", lambda: noon.astimezone(dt.timezone.utc))

    return set_today


def test_sweep_for_today_records_once_and_a_rerun_records_nothing_again(seeded: str, today: Callable[[str], None], cli: Cli) -> None:
    today("2026-10-02")
    first = cli.json("sweep", db=seeded)
    assert isinstance(first, dict) and first["recorded"] is True
    assert [(e["kind"], e["payload"].get("to") or e["payload"].get("threshold")) for e in first["events"]] == [
        ("status_changed", "expiring"),
        ("expiry_reminder", 90),
    ]
    assert all(isinstance(e["id"], int) for e in first["events"])
    assert (first["assessed"], first["updated"]) == (4, 1)
    # Naming today's date is the real sweep too; what it found is already recorded.
    again = cli.json("sweep", "--as-of", "2026-10-02", db=seeded)
    assert (again["updated"], again["events"], again["recorded"]) == (0, [], True)  # type: ignore[index]
    today("2026-10-03")
    assert cli.json("sweep", db=seeded) == {"as_of": "2026-10-03", "recorded": True, "assessed": 4, "updated": 0, "events": []}
    today("2026-12-01")
    code, out, _ = cli("sweep", db=seeded)
    assert code == 0
    assert out.splitlines() == [
        "swept 4 documents as of 2026-12-01: 0 updated, 0 status changes, 1 reminders",
        f"  [{first['events'][0]['document_id']}] ends 2026-12-31 (30 days left)",
    ]


def stored_state(db_url: str) -> list[tuple[object, ...]]:
    """Every row a sweep could write: statuses, events, deliveries."""
    engine = open_database(db_url)
    with engine.connect() as connection:
        rows = [
            *connection.execute(sa.text("SELECT id, status, status_since, status_reason FROM document ORDER BY id")),
            *connection.execute(sa.text("SELECT id, kind, dedupe_key FROM event ORDER BY id")),
            *connection.execute(sa.text("SELECT id, event_id, state FROM delivery ORDER BY id")),
        ]
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_what_if_date_prints_what_would_happen_and_writes_nothing(
    seeded: str, tmp_path: Path, today: Callable[[str], None], cli: Cli
) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[subscription]]\nname = "legal-team"\nchannel = "console"\nevents = ["status_changed", "expiry_reminder"]\n',
        encoding="utf-8",
    )
    today("2026-10-02")
    before = stored_state(seeded)

    what_if = cli.json("--config", str(config), "sweep", "--as-of", "2027-04-01", db=seeded)
    code, out, err = cli("--config", str(config), "sweep", "--as-of", "2027-04-01", db=seeded)
    for command in ("docs", "expiring"):
        assert cli("--config", str(config), command, "--as-of", "2027-04-01", db=seeded)[0] == 0
    assert cli("--config", str(config), "show", URLS["001"], "--as-of", "2027-04-01", db=seeded)[0] == 0

    assert stored_state(seeded) == before
    assert isinstance(what_if, dict) and what_if["recorded"] is False
    assert [(e["id"], e["kind"], e["payload"]["to"]) for e in what_if["events"]] == [(None, "status_changed", "expired")]
    assert code == 0, err
    assert out.splitlines()[0] == "what-if as of 2027-04-01, nothing recorded: of 4 documents 1 would change, 1 status changes, 0 reminders"
    # The real sweep for today is not disturbed by the what-if: it records what today owes, once.
    recorded = cli.json("--config", str(config), "sweep", db=seeded)
    assert [(e["kind"], e["payload"].get("to") or e["payload"].get("threshold")) for e in recorded["events"]] == [  # type: ignore[index]
        ("status_changed", "expiring"),
        ("expiry_reminder", 90),
    ]
    assert len(stored_state(seeded)) == len(before) + 2 + 2  # two events, a delivery each


def test_sweep_queues_alerts_for_the_configured_subscriptions(seeded: str, tmp_path: Path, today: Callable[[str], None], cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[subscription]]\nname = "legal-team"\nchannel = "console"\nevents = ["status_changed", "expiry_reminder"]\n',
        encoding="utf-8",
    )
    today("2026-10-02")
    code, _, err = cli("--config", str(config), "sweep", db=seeded)
    assert code == 0, err
    engine = open_database(seeded)
    with Session(engine) as session:
        owed = session.exec(select(Event.kind, Delivery.subscription).join(Delivery, col(Delivery.event_id) == Event.id)).all()
    engine.dispose()
    assert sorted(owed) == [("expiry_reminder", "legal-team"), ("status_changed", "legal-team")]
