"""`tracker parse`: in-process through typer's runner, and once as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, GOVCN, SEEDS, Cli

TRACKER = Path(sys.executable).parent / "tracker"


def test_json_output_of_a_seed(cli: Cli) -> None:
    result = cli("parse", str(next(SEEDS.glob("001_*.txt"))), "--url", "https://tzcj.hangzhou.gov.cn/art/1.html", "--json")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    (doc,) = payload["documents"]
    assert doc["effective_from"] == "2025-01-31" and doc["expires_on"] == "2026-12-31"
    assert doc["repeals"] == [{"title": "杭州市人民政府关于加快推动杭州未来产业发展的指导意见", "doc_number": "杭政〔2017〕66号"}]
    first = doc["clauses"][0]
    assert (first["path"], first["heading"]) == ("序言", None)
    assert first["text"].startswith("为深入贯彻国家和省“十四五”国民经济和社会发展规划纲要")
    assert [c["path"] for c in doc["clauses"]][-1] == "结语"


def test_human_output_shows_metadata_and_outline(cli: Cli) -> None:
    result = cli("parse", str(GOVCN / "38_content_5346276.html"))
    assert result.code == 0, result.stderr
    assert "国办发明电〔2018〕15号" in result.stdout
    assert "2018-12-04" in result.stdout
    assert "七 国庆节" in result.stdout


def test_missing_file_is_one_line_on_stderr_and_exit_2(tmp_path: Path, cli: Cli) -> None:
    result = cli("parse", str(tmp_path / "nope.html"), "--json")
    assert result.code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.html" in result.stderr and "Traceback" not in result.stderr


def test_non_document_is_one_line_on_stderr_and_exit_2_from_the_console_script() -> None:
    result = subprocess.run(
        [str(TRACKER), "parse", str(DATA / "parse" / "ruishu_challenge.html"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "challenge" in lines[0]


def test_undecodable_file_is_one_line_on_stderr_and_exit_2(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    result = cli("parse", str(path))
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "PDF" in result.stderr
