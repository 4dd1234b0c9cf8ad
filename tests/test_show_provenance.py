"""`tracker show` tells where each stored value came from (on SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.conftest import Cli
from tests.test_corpus_accuracy import CORPUS

URL = "http://zwgkw.example.gov.cn/openness/detail/content/taihu.html"
PAGE = CORPUS / "docs" / "pg_thx_taihu_gongzuoguize.txt"


def test_show_lists_each_values_source_and_the_evidence_it_overruled(db_url: str, cli: Cli) -> None:
    assert cli("ingest", str(PAGE), "--url", URL, db=db_url).code == 0
    code, human, err = cli("show", URL, db=db_url)
    assert code == 0, err
    assert "issued_on ← signature: 太湖县人民政府 2019年1月17日 (also table: 2019-01-23)" in human
    assert "issuer ← text: 太湖县人民政府关于印发《太湖县人民政府工作规则》的通知 (also table: 太湖县人民政府办公室)" in human
    shown = cli.json("show", URL, db=db_url)
    assert shown["provenance"]["expires_on"] == {"source": "table", "snippet": "2020-01-23"}
    assert shown["warnings"] == []
