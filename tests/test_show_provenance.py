"""`tracker show` tells where each stored value came from (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.test_corpus_accuracy import CORPUS
from tracker.cli import app

URL = "http://zwgkw.example.gov.cn/openness/detail/content/taihu.html"
PAGE = CORPUS / "docs" / "pg_thx_taihu_gongzuoguize.txt"


def run(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_show_lists_each_values_source_and_the_evidence_it_overruled(db_url: str) -> None:
    run(db_url, "ingest", str(PAGE), "--url", URL)
    human = run(db_url, "show", URL)
    assert "issued_on ← signature: 太湖县人民政府 2019年1月17日 (also table: 2019-01-23)" in human
    assert "issuer ← text: 太湖县人民政府关于印发《太湖县人民政府工作规则》的通知 (also table: 太湖县人民政府办公室)" in human
    shown = json.loads(run(db_url, "show", URL, "--json"))
    assert shown["provenance"]["expires_on"] == {"source": "table", "snippet": "2020-01-23"}
    assert shown["warnings"] == []
