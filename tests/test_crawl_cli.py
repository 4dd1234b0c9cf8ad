"""`tracker crawl` and `tracker sources` against the sample site, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sources.samplesite import SampleSite
from storage.engine import init_database
from tracker.cli import app


def test_crawl_then_sources_reports_health(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    init_database(db)
    config = tmp_path / "tracker.toml"
    runner = CliRunner()
    with SampleSite() as site:
        config.write_text(site.sources_toml(delay=0.01), encoding="utf-8")
        crawled = runner.invoke(app, ["--db", db, "--config", str(config), "crawl", "sample-mh", "--json"])
        summary = runner.invoke(app, ["--db", db, "--config", str(config), "crawl", "sample-mh"], env={"COLUMNS": "200"})

    assert crawled.exit_code == 0, crawled.stderr
    [run] = json.loads(crawled.stdout)["sources"]
    assert (run["source"], run["outcome"], run["new"], run["pages"]) == ("sample-mh", "ok", 2, 2)
    assert summary.exit_code == 0
    assert "sample-mh" in summary.stdout and "unchanged" in summary.stdout
    [bar] = [line for line in summary.stderr.splitlines() if "sample-mh" in line]
    assert "2/2" in bar  # the progress bar: page one's document, then one page more (extra_pages) with nothing new

    health = runner.invoke(app, ["--db", db, "--config", str(config), "sources", "--json"])
    entries = {e["name"]: e for e in json.loads(health.stdout)["sources"]}
    assert entries["sample-mh"]["last_check"]["outcome"] == "ok"
    assert entries["sample-mh"]["consecutive_failures"] == 0
    assert entries["sample-hz"]["last_run_at"] is None


def test_unknown_source_and_bad_option_are_one_line_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    init_database(db)
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[source]]\nname = "x"\nkind = "listing"\nstart_urls = ["https://example.org/"]\nitme = "li a"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    bad_option = runner.invoke(app, ["--db", db, "--config", str(config), "crawl"])
    config.write_text('[[source]]\nname = "x"\nkind = "listing"\nstart_urls = ["https://example.org/"]\nitem = "li a"\n')
    unknown = runner.invoke(app, ["--db", db, "--config", str(config), "crawl", "nope"])

    assert bad_option.exit_code == 2
    assert bad_option.stderr.strip().splitlines() == [
        f"error: {config}: source[0] (x): unknown option(s) itme for kind listing (known: attachments, baseline, date, extra_pages, full_walk_hours, incremental, item, next_page, revisit, url_pattern, verified)"
    ]
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == f"error: {config}: no source named 'nope'"
