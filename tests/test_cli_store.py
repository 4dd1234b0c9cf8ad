"""The stored-history commands end to end on a real seed document, on SQLite and PostgreSQL.

Version 2 of seed 000 is built from the real text by string edits, so this file documents
exactly what changed: clause （八）'s 500 万元 cap becomes 300 万元, a new clause is inserted
after （三） (the clauses after it renumber), a sentence of （十二） is deleted and the
validity is extended to 2029.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Cli
from tracker.core.config import load_settings
from tracker.core.model import Status

NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]
NEW_CLAUSE = "（四）支持算力券发放。\n\n对类脑智能企业购买智能算力服务的，按实际支出给予算力券支持。（责任单位：市数据资源局）\n\n"
DELETED_SENTENCE = "支持政府产业基金加大对类脑智能产业的投资力度，鼓励链主型企业、金融机构等组建类脑智能产业基金。"
URL = "https://www.hangzhou.gov.cn/art/2025/12/19/art_1229063382_1850000.html"


def renumber_after_three(text: str) -> str:
    """Clause markers （四）…（十四） (written with full- or half-width brackets) move up by one."""

    def bump(match: re.Match[str]) -> str:
        index = NUMERALS.index(match.group(2))
        return f"{match.group(1)}{NUMERALS[index + 1]}{match.group(3)}" if index >= 3 else match.group(0)

    return re.sub(r"^([（(])([一二三四五六七八九十]+)([）)])", bump, text, flags=re.MULTILINE)


def edited_seed(original: str) -> str:
    (cap,) = re.findall(r"单个企业每年最高奖励 500 万元", original)  # in （八）, once
    text = original.replace(cap, "单个企业每年最高奖励 300 万元")
    text = renumber_after_three(text)
    text = text.replace("(五) 支持重大创新载体建设。", NEW_CLAUSE + "(五) 支持重大创新载体建设。")
    assert DELETED_SENTENCE in text
    text = text.replace(DELETED_SENTENCE, "")
    assert "有效期至 2028 年 12 月 31 日" in text
    return text.replace("有效期至 2028 年 12 月 31 日", "有效期至 2029 年 12 月 31 日")


@pytest.fixture
def seed_versions(tmp_path: Path, seed_paths: dict[str, Path]) -> tuple[Path, Path]:
    original = seed_paths["000"].read_text(encoding="utf-8")
    v1 = tmp_path / "v1.txt"
    v2 = tmp_path / "v2.txt"
    v1.write_text(original, encoding="utf-8")
    v2.write_text(edited_seed(original), encoding="utf-8")
    return v1, v2


def test_seed_edit_diff_lists_exactly_the_edits(db_url: str, seed_versions: tuple[Path, Path], cli: Cli) -> None:
    v1, v2 = seed_versions
    first = cli.json("ingest", str(v1), "--url", URL, "--at", "2026-01-05T08:00:00+08:00", db=db_url)
    assert first == [
        {
            "document_id": 1,
            "url": URL,
            "title": "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知",
            "outcome": "added",
            "version": 1,
            "summary": None,
            "events": ["document_added"],
        }
    ]
    second = cli.json("ingest", str(v2), "--url", URL, "--at", "2026-02-05T08:00:00+08:00", db=db_url)
    assert [(r["outcome"], r["version"], r["events"]) for r in second] == [("changed", 2, ["document_changed"])]

    diff = cli.json("diff", "杭政办函[2025]58号", db=db_url)
    assert diff["from_version"] == 1 and diff["to_version"] == 2
    assert diff["metadata"] == {"expires_on": {"old": "2028-12-31", "new": "2029-12-31"}}
    changes = [(c["change"], c["old_path"], c["new_path"]) for c in diff["clauses"]]
    assert changes == [
        ("added", None, "二/（四）"),
        ("moved", "二/（四）", "二/（五）"),
        ("moved", "三/（五）", "三/（六）"),
        ("moved", "三/（六）", "三/（七）"),
        ("moved", "三/（七）", "三/（八）"),
        ("modified", "三/（八）", "三/（九）"),
        ("moved", "三/（九）", "三/（十）"),
        ("moved", "三/（十）", "三/（十一）"),
        ("moved", "四/（十一）", "四/（十二）"),
        ("modified", "四/（十二）", "四/（十三）"),
        ("moved", "四/（十三）", "四/（十四）"),
        ("moved", "四/（十四）", "四/（十五）"),
        ("modified", "结语", "结语"),  # the sentence that carries 有效期至 2029 年
    ]
    by_path = {c["new_path"]: c for c in diff["clauses"]}
    assert by_path["二/（四）"]["new_text"].startswith("支持算力券发放。")
    assert by_path["三/（九）"]["figures"] == [{"kind": "money", "old": "500万元", "new": "300万元"}]
    assert ["delete", "500"] in by_path["三/（九）"]["inline"] and ["insert", "300"] in by_path["三/（九）"]["inline"]
    assert [op for op in by_path["四/（十三）"]["inline"] if op[0] != "equal"] == [["delete", DELETED_SENTENCE]]
    assert by_path["结语"]["figures"] == [{"kind": "date", "old": "2028年12月31日", "new": "2029年12月31日"}]

    third = cli.json("ingest", str(v2), "--url", URL, "--at", "2026-03-05T08:00:00+08:00", db=db_url)
    assert [(r["outcome"], r["version"], r["events"]) for r in third] == [("unchanged", 2, [])]
    history = cli.json("history", URL, db=db_url)
    assert [(v["version"], v["summary"]) for v in history["versions"]] == [
        (2, "1 added, 3 modified, 9 moved; expires_on"),
        (1, "first version"),
    ]
    events = cli.json("events", db=db_url)
    assert [e["kind"] for e in events] == ["document_added", "document_changed"]
    assert events[1]["payload"]["counts"] == {"added": 1, "removed": 0, "modified": 3, "moved": 9}


def test_human_diff_is_a_redline(db_url: str, seed_versions: tuple[Path, Path], cli: Cli) -> None:
    v1, v2 = seed_versions
    for path, at in ((v1, "2026-01-05"), (v2, "2026-02-05")):
        assert cli("ingest", str(path), "--url", URL, "--at", at, db=db_url)[0] == 0
    code, out, _err = cli("diff", "1", db=db_url)
    assert code == 0
    assert "v1 → v2 (1 added, 3 modified, 9 moved; expires_on)" in out
    assert "modified 三/（八） → 三/（九） 支持产品开展医疗器械注册" in out
    assert "单个企业每年最高奖励 [-500-]{+300+} 万元" in out  # no colours in a pipe: wdiff markers
    assert "money: 500万元 → 300万元" in out
    assert "expires_on: [-2028-12-31-] → {+2029-12-31+}" in out
    assert f"[-{DELETED_SENTENCE}-]" in out
    assert "moved 二/（四） → 二/（五） 支持重大创新载体建设\n\n" in out  # a moved clause is not reprinted


def test_docs_show_and_relations_both_ways(db_url: str, seed_paths: dict[str, Path], cli: Cli) -> None:
    assert cli("ingest", str(seed_paths["001"]), "--url", "https://hz/plan", "--at", "2025-02-01", db=db_url)[0] == 0
    docs = cli.json("docs", db=db_url)
    assert [(d["id"], d["url"], d["is_placeholder"]) for d in docs] == [
        (2, "placeholder:杭政〔2017〕66号", True),
        (1, "https://hz/plan", False),
    ]
    assert docs[0]["status"] == "repealed" and docs[0]["status_reason"]  # set by the pipeline's lifecycle step
    plan = docs[1]
    assert plan["expires_on"] == "2026-12-31" and "clauses" not in plan
    assert plan["status"] in {s.value for s in Status}
    assert [d["id"] for d in cli.json("docs", "--status", "repealed", db=db_url)] == [2]

    shown = cli.json("show", "杭政（2017）66 号", db=db_url)
    assert shown["id"] == 2 and shown["doc_number"] == "杭政〔2017〕66号"
    assert [(r["direction"], r["kind"], r["document_id"]) for r in shown["relations"]] == [("incoming", "repeals", 1)]

    plan_shown = cli.json("show", "https://hz/plan", db=db_url)
    outgoing = {(r["kind"], r["target_doc_number"], r["document_id"]) for r in plan_shown["relations"]}
    assert ("repeals", "杭政〔2017〕66号", 2) in outgoing
    assert ("cites", "工信部联科〔2024〕12号", None) in outgoing
    assert plan_shown["clauses"] and plan_shown["versions"][0]["version"] == 1


def test_unknown_document_says_so_and_suggests(db_url: str, seed_paths: dict[str, Path], cli: Cli) -> None:
    assert cli("ingest", str(seed_paths["000"]), "--url", URL, db=db_url)[0] == 0
    code, out, err = cli("history", "杭政办函〔2025〕59号", db=db_url)
    assert code == 2 and out == ""
    assert err.strip() == "error: no document '杭政办函〔2025〕59号'; did you mean 杭政办函〔2025〕58号 (id 1)"


def test_search_finds_two_character_terms_and_highlights(db_url: str, seed_paths: dict[str, Path], cli: Cli) -> None:
    assert cli("ingest", str(seed_paths["000"]), "--url", URL, db=db_url)[0] == 0
    assert cli("ingest", str(seed_paths["002"]), "--url", "https://mh/bci", db=db_url)[0] == 0
    hits = cli.json("search", "首台（套）", db=db_url)
    assert {(h["document_id"], h["path"]) for h in hits} == {(1, "三/（九）")}
    start, end = hits[0]["highlight"]
    assert hits[0]["snippet"][start:end] == "首台（套）"
    brain = cli.json("search", "脑机", db=db_url)
    assert {h["document_id"] for h in brain} == {1, 2}
    assert all("脑机" in h["snippet"][h["highlight"][0] : h["highlight"][1]] for h in brain)
    assert cli.json("search", "量子通信", db=db_url) == []
    code, _out, err = cli("search", "脑", db=db_url)
    assert code == 2 and "at least two" in err


def test_commands_on_an_uninitialised_database_say_run_init(tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli("docs", db=f"sqlite:///{tmp_path / 'new.db'}")
    assert code == 2 and out == ""
    assert err.strip() == "error: database is not initialised: run `tracker init` first"


def test_init_creates_database_and_starter_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    code, out, _ = cli("init", db=url)
    assert code == 0 and "database ready at schema" in out
    assert load_settings(tmp_path / "tracker.toml").tracker.warning_days == 90  # the starter file is valid
    assert cli("init", db=url)[0] == 0  # idempotent: upgrading a current database is a no-op
    assert cli.json("docs", db=url) == []


def test_events_filter_by_kind_and_since(db_url: str, seed_versions: tuple[Path, Path], cli: Cli) -> None:
    v1, v2 = seed_versions
    cli.json("ingest", str(v1), "--url", URL, "--at", "2026-01-05T08:00:00+00:00", db=db_url)
    cli.json("ingest", str(v2), "--url", URL, "--at", "2026-02-05T08:00:00+00:00", db=db_url)
    changed = cli.json("events", "--kind", "document_changed", db=db_url)
    assert [(e["kind"], e["occurred_at"], e["dedupe_key"]) for e in changed] == [
        ("document_changed", "2026-02-05T08:00:00+00:00", "document_changed:1:2")
    ]
    assert changed[0]["payload"]["summary"] == "1 added, 3 modified, 9 moved; expires_on"
    recent = cli.json("events", "--since", "2026-02-01", db=db_url)
    assert {e["kind"] for e in recent} >= {"document_changed"}
    assert all(e["occurred_at"] >= "2026-02-01" for e in recent)
    code, _out, err = cli("events", "--since", "last tuesday", db=db_url)
    assert code == 2 and "cannot read 'last tuesday'" in err


def test_ingesting_a_page_that_is_not_a_document_stores_nothing(db_url: str, tmp_path: Path, cli: Cli) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    code, out, err = cli("ingest", str(page), "--url", "https://x/1", db=db_url)
    assert code == 2 and out == ""
    assert err.strip() == f"error: {page}: not a policy document (empty): page has no text"
    assert cli.json("docs", db=db_url) == [] and cli.json("events", db=db_url) == []
