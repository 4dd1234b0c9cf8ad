"""`tracker crawl` and `tracker sources` against the sample site, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from sources.samplesite import SampleSite
from tests.conftest import Cli


def test_crawl_then_sources_reports_health(db_url: str, tmp_path: Path, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    with SampleSite() as site:
        config.write_text(site.sources_toml(delay=0.01), encoding="utf-8")
        crawled = cli("crawl", "sample-mh", "--json", db=db_url, config=config)
        summary = cli("crawl", "sample-mh", db=db_url, config=config)

    assert crawled.code == 0, crawled.stderr
    [run] = json.loads(crawled.stdout)["sources"]
    assert (run["source"], run["outcome"], run["new"], run["pages"]) == ("sample-mh", "ok", 2, 2)
    assert summary.code == 0
    assert "sample-mh" in summary.stdout and "unchanged" in summary.stdout
    [bar] = [line for line in summary.stderr.splitlines() if "sample-mh" in line]
    assert "2/2" in bar  # the progress bar: page one's document, then one page more (extra_pages) with nothing new

    entries = {e["name"]: e for e in cli.json("sources", db=db_url, config=config)["sources"]}
    assert entries["sample-mh"]["last_check"]["outcome"] == "ok"
    assert entries["sample-mh"]["consecutive_failures"] == 0
    assert entries["sample-hz"]["last_run_at"] is None


def test_unknown_source_and_bad_option_are_one_line_errors(db_url: str, tmp_path: Path, cli: Cli) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[source]]\nname = "x"\nkind = "listing"\nstart_urls = ["https://example.org/"]\nitme = "li a"\n',
        encoding="utf-8",
    )
    bad_option = cli("crawl", db=db_url, config=config)
    config.write_text('[[source]]\nname = "x"\nkind = "listing"\nstart_urls = ["https://example.org/"]\nitem = "li a"\n')
    unknown = cli("crawl", "nope", db=db_url, config=config)

    assert bad_option.code == 2
    assert bad_option.stderr.strip().splitlines() == [
        f"error: {config}: source[0] (x): unknown option(s) itme for kind listing (known: attachments, baseline, date, extra_pages, full_walk_hours, incremental, item, next_page, revisit, url_pattern, verified)"
    ]
    assert unknown.code == 2
    assert unknown.stderr.strip() == f"error: {config}: no source named 'nope'"
