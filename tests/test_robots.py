"""robots.txt over the sample site: obeyed by default, read once a day, Crawl-delay honoured."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
import tomli_w
from sqlmodel import Session, select

from sources.http import HttpPolicy
from sources.robots import RobotsRules
from sources.samplesite import Fault, SampleSite
from sources.samplesite.sites import MINHANG_DIR
from storage.tables import Document
from tests.conftest import Cli, assert_paced
from tracker.core.config import settings_from_dict
from tracker.pipeline import crawl

POLICY = HttpPolicy(timeout=0.5, attempt_deadline=2.0, retries=1, backoff=0.01, default_delay=0)
ARTICLE = f"{MINHANG_DIR}/content/b68e0793-4ff7-4ad5-8d27-79928a5fb0eb.htm"
UA = POLICY.user_agent


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def minhang(site: SampleSite, **overrides: object) -> dict[str, object]:
    (table,) = [t for t in site.source_tables(delay=0.01) if t["name"] == "sample-mh"]
    return {**table, **overrides}


def stored_urls(engine: sa.Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Document.url)))


def test_a_disallowed_page_is_skipped_and_recorded_not_an_error(site: SampleSite, engine: sa.Engine) -> None:
    server = site.server("listing")
    server.robots_txt = f"User-agent: *\nDisallow: {ARTICLE}\n"
    settings = settings_from_dict({"source": [minhang(site)]})

    (run,) = crawl(engine, settings, policy=POLICY)
    (again,) = crawl(engine, settings, policy=POLICY)

    assert (run.outcome, run.new, run.errors, run.disallowed) == ("ok", 1, 0, 1)
    assert run.error_details == [{"url": site.url("listing", ARTICLE), "reason": "disallowed by robots.txt", "kind": "disallowed"}]
    assert site.url("listing", ARTICLE) not in stored_urls(engine)
    assert server.requests[ARTICLE] == 0
    assert server.requests["/robots.txt"] == 1  # once for the host, not once per crawl
    assert (again.outcome, again.disallowed, again.errors) == ("ok", 1, 0)


def test_a_disallowed_listing_stores_nothing_and_fails_the_run(site: SampleSite, engine: sa.Engine) -> None:
    site.server("listing").robots_txt = "User-agent: policy-tracker\nDisallow: /\n\nUser-agent: *\nAllow: /\n"

    (run,) = crawl(engine, settings_from_dict({"source": [minhang(site)]}), policy=POLICY)

    assert (run.outcome, run.documents, run.errors, run.disallowed) == ("failed", 0, 0, 1)
    assert stored_urls(engine) == set()


@pytest.mark.parametrize("robots", ["missing", "HTTP 500", "garbage", "Crawl-delay: ²"])
def test_a_missing_or_broken_robots_txt_allows_everything(site: SampleSite, engine: sa.Engine, robots: str) -> None:
    server = site.server("listing")
    if robots == "HTTP 500":
        server.inject("/robots.txt", Fault(status=500, times=None))
    elif robots == "garbage":
        server.robots_txt = "\x00\xff<html>Disallow /\n" * 50
    elif robots != "missing":
        server.robots_txt = f"User-agent: *\n{robots}\nDisallow: /nothing-here\n"

    (run,) = crawl(engine, settings_from_dict({"source": [minhang(site)]}), policy=POLICY)

    assert (run.outcome, run.new, run.disallowed) == ("ok", 2, 0)


def test_crawl_delay_is_a_lower_bound_for_the_hosts_delay(site: SampleSite, engine: sa.Engine, booked_starts: list[float]) -> None:
    server = site.server("listing")
    server.robots_txt = "User-agent: *\nCrawl-delay: 1\n"

    (run,) = crawl(engine, settings_from_dict({"source": [minhang(site, delay=0)]}), policy=POLICY)

    assert run.outcome == "ok"
    assert [entry.path for entry in server.log].count("/robots.txt") == 1
    arrivals = [entry.at for entry in server.log]
    assert len(arrivals) == 5  # robots.txt, two listing pages, two articles
    # Once robots.txt is read, every start the client books is a Crawl-delay after the one
    # before (booked times, not server arrivals: a loaded server may note one arrival late).
    assert_paced(arrivals[1:], sorted(booked_starts)[1:], 1.0)


def test_obey_robots_false_fetches_everything_and_is_shown(
    site: SampleSite, engine: sa.Engine, db_url: str, tmp_path: Path, cli: Cli
) -> None:
    server = site.server("listing")
    server.robots_txt = "User-agent: *\nDisallow: /\n"
    table = minhang(site, obey_robots=False)

    (run,) = crawl(engine, settings_from_dict({"source": [table]}), policy=POLICY)

    assert (run.outcome, run.new, run.disallowed) == ("ok", 2, 0)
    assert server.requests["/robots.txt"] == 0
    config = tmp_path / "tracker.toml"
    config.write_text(tomli_w.dumps({"source": [table, minhang(site, name="obeying")]}), encoding="utf-8")
    listed = cli.json("sources", db=db_url, config=config)
    assert [(s["name"], s["obey_robots"]) for s in listed["sources"]] == [("sample-mh", False), ("obeying", True)]
    assert "sample-mh (ignores robots.txt)" in cli("sources", db=db_url, config=config).stdout


def test_rules_follow_the_standard_library_parser() -> None:
    rules = RobotsRules.parse(b"User-agent: policy-tracker\nDisallow: /private/\nCrawl-delay: 999\n", UA)
    assert not rules.allows("http://h/private/a.html", UA)
    assert rules.allows("http://h/public/a.html", UA)
    assert rules.allows("http://h/private/a.html", "SomeOtherBot/1.0")
    assert rules.crawl_delay == 120.0  # capped: one absurd value must not stall a source for days
    started = time.monotonic()
    RobotsRules.parse(b"Disallow: /x\n" * 20_000, UA)  # large files parse quickly (first 512 KiB)
    assert time.monotonic() - started < 10
