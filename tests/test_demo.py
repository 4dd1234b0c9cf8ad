"""`python -m tracker.demo` (what `make demo` runs): one command, the whole story, nothing left running."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.web_support import free_port, wait_listening

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, float, Path]:
    output = tmp_path_factory.mktemp("demo") / "demo-output"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tracker.demo", "--output", str(output)], capture_output=True, text=True, timeout=200
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, took, output


def section(stdout: str, title_start: str) -> str:
    """The text of one numbered section of the demo's output."""
    match = re.search(rf"\n{re.escape(title_start)}[^\n]*\n─+\n(.*?)(?=\n─{{78}}\n|\Z)", stdout, re.S)
    assert match, f"no section {title_start!r}"
    return match.group(1)


def test_first_crawl_shows_the_repealed_placeholder_and_the_expiring_plan(demo: tuple[str, float, Path]) -> None:
    statuses = section(demo[0], "3.")
    rows = [line for line in statuses.splitlines() if line.startswith("│")]
    expiring = [row for row in rows if "即将失效 expiring" in row]
    repealed = [row for row in rows if "已废止 repealed" in row]
    # One document, in both `tracker docs` and `tracker expiring`.
    assert len(expiring) == 2 and len({row.split("│")[1] for row in expiring}) == 1
    assert all("杭州市未来产业培育行动计划（2025—2026年）" in row and "2026-12-31" in row for row in expiring)
    assert len(repealed) == 1 and "杭政〔2017〕66号" in repealed[0] and "(placeholder)" in repealed[0]
    # The sweep of a day other than today is a what-if: printed, not recorded, not alerted.
    assert re.search(r"what-if as of 2026-11-22, nothing recorded: .*1 reminders\n  \[\d+\] ends 2026-12-31 \(39 days left\)", statuses)
    assert "[到期提醒 expiring soon]" not in statuses
    # The first crawl is a baseline: one summary per source instead of an alert per document.
    assert re.search(r"\[首次收录 baseline\] 首次收录 sample-hz：5 份文件\n  摘要 Summary: baseline: 5 documents of sample-hz, \d+ of them expiring within 90 days", statuses)
    assert statuses.count("[首次收录 baseline]") == 3 and "[新增文件 new document]" not in statuses
    assert "(3 alert(s) sent, 0 retrying, 0 dead)" in statuses


def test_next_day_shows_the_changed_clause_the_new_repeal_and_their_alerts(demo: tuple[str, float, Path]) -> None:
    changes = section(demo[0], "5.")
    assert "杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知: v1 → v2 (1 modified)" in changes
    assert "modified 二/（一） 支持承担国家、省重点科技专项" in changes
    assert "money: 500万元 → 300万元" in changes
    assert "[文件变更 document changed] 杭州市人民政府办公厅印发关于支持类脑智能未来产业创新发展的若干措施的通知（杭政办函〔2025〕58号）" in changes
    assert "- 修改 二/（一）: 500万元 → 300万元" in changes
    assert "repealed by 《杭州市脑机接口产业高质量发展若干措施》（杭经信〔2026〕3号）" in changes
    crawl = section(demo[0], "4.")
    assert re.search(r"ok\s+sample-hz: .*new 1, changed 1", crawl)
    assert "partial  sample-govcn" in crawl and "HTTP 503" in crawl


def test_the_weekly_digest_is_sent_to_a_mail_server_and_kept_as_eml_and_html(demo: tuple[str, float, Path]) -> None:
    digest = section(demo[0], "6.")
    assert "weekly-email: sent a digest of" in digest
    match = re.search(r"The mail server received it: (\S+\.eml)  \(HTML part: (\S+\.html)\)", digest)
    assert match, digest[:500]
    eml, html = Path(match.group(1)), Path(match.group(2))
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert message["Subject"].startswith("政策动态摘要：") and message["To"] == "policy-team@example.org"
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "杭政办函〔2025〕58号" in page and "300" in page
    assert "To: policy-team@example.org" in digest
    # In reading order: the repeal first, then the changed clause with its figure inline, then the new document.
    assert digest.index("== 已废止 Repealed") < digest.index("== 内容变更 Changed") < digest.index("== 新增文件 New documents")
    assert "单个项目最高补助 [-500-] {+300+} 万元。" in digest
    assert "发文机关 Issuer: 杭州市经济和信息化局\n  成文 Signed: 2026-11-18 · 施行 Effective: 2026-11-18" in digest
    assert "单个项目最高补助 <del" in page and "300</ins> 万元" in page


def test_finishes_fast_leaves_nothing_running_and_says_what_next(demo: tuple[str, float, Path]) -> None:
    stdout, took, output = demo
    assert took < 150  # about 25 s alone; the bound is for a loaded machine, the subprocess timeout is 200 s
    assert (output / "tracker.db").exists() and (output / "tracker.toml").exists()
    ports = re.findall(r"^  \w+\s+(?:http|smtp)://127\.0\.0\.1:(\d+)", section(stdout, "1."), re.M)
    assert len(ports) == 4
    for port in map(int, ports):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    last = stdout[stdout.rindex("Point it at real sites:") :].splitlines()
    assert any(line.strip().startswith("tracker init") for line in last)
    assert any(line.strip().startswith("tracker run") for line in last)
    catalog = next(line for line in last if "sources/catalog" in line)
    assert Path(catalog.split(" are in ")[1].rstrip(":")).is_dir()
    assert "hangzhou-gfxwj.toml" in stdout[stdout.rindex("Point it at real sites:") :]


def test_runs_without_the_dev_only_mail_server_and_says_so_in_one_line(tmp_path: Path) -> None:
    # With only the runtime dependencies installed there is no aiosmtpd: importing it fails.
    without_aiosmtpd = "import runpy, sys; sys.modules['aiosmtpd'] = None; runpy.run_module('tracker.demo', run_name='__main__')"
    done = subprocess.run(
        [sys.executable, "-c", without_aiosmtpd, "--output", str(tmp_path / "demo-output")], capture_output=True, text=True, timeout=200
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert [line for line in done.stdout.splitlines() if "aiosmtpd" in line] == [
        "e-mail: aiosmtpd is not installed (pip install -e '.[dev]'), so the demo runs without the e-mail digest"
    ]
    assert "money: 500万元 → 300万元" in section(done.stdout, "5.")
    assert "weekly-email" not in done.stdout and "smtp://" not in done.stdout
    assert "Point it at real sites:" in done.stdout


def test_ends_with_the_web_command_whose_feed_answers(demo: tuple[str, float, Path]) -> None:
    stdout, _took, output = demo
    tail = stdout[stdout.rindex("Look at it in a browser") :].splitlines()
    command = next(line.strip() for line in tail if line.strip().startswith("tracker --db"))
    assert command == f"tracker --db sqlite:///{output.resolve() / 'tracker.db'} --config {output.resolve() / 'tracker.toml'} web"
    assert "  # Atom feed: http://127.0.0.1:8080/feeds/events.atom" in tail
    port = free_port()
    args = [str(Path(sys.executable).with_name("tracker")), *command.split()[1:], "--port", str(port)]
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as server:
        try:
            wait_listening(server, port, time.monotonic() + 60)
            feed = feedparser.parse(httpx.get(f"http://127.0.0.1:{port}/feeds/events.atom", timeout=30).content)
            assert not feed.bozo and any("杭政办函〔2025〕58号" in entry.title for entry in feed.entries)
        finally:
            server.terminate()
