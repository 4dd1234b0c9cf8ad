"""A source kind, a channel and an event kind are each one declaration and nothing else.

This module plays the part of the one new module: it declares a source kind (`test_regex`,
document links found by a regular expression), a channel (`test_memory`, which keeps what
it is sent) and an event kind (`test_cited`). No other file names them, yet a
`tracker.toml` that uses them loads, the crawl walks the sample site with the new kind,
the dispatcher sends through the new channel, and routing, labels and digests know the
new event kind.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa

import notifiers.channels
import sources.kinds
import tracker.core.events
from notifiers import Alert, Outgoing, alert_from_rows, digest_group, subscription_matches
from notifiers.channels import Channel
from sources import DocumentRef, ListingPage, Source
from sources.samplesite import SampleSite
from sources.samplesite.sites import MINHANG_DIR
from tracker.core.config import SourceConfig, load_settings, settings_from_dict
from tracker.core.errors import ConfigError
from tracker.core.events import EVENT_KINDS, EventKind, declare, group
from tracker.core.registry import CHANNELS, SOURCE_KINDS, Registry, RegistryError
from tracker.pipeline import crawl, dispatch_due

_LINK_RE = re.compile(r'href="([^"]+)"')


class RegexSource(Source):
    """Document links are whatever the `links` pattern matches in the start page's HTML."""

    kind = "test_regex"
    options = frozenset({"links"})

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        super().validate_options(config)
        if not isinstance(config.options.get("links"), str):
            raise ValueError("links is required for kind test_regex (a regular expression)")

    async def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        fetched = await self.fetch_listing(listing)
        wanted = re.compile(self.config.options["links"])
        urls = dict.fromkeys(urljoin(fetched.url, href) for href in _LINK_RE.findall(fetched.text()) if wanted.search(href))
        yield ListingPage(url=fetched.url, refs=tuple(DocumentRef(url) for url in urls), last=True)


class MemoryChannel(Channel):
    """Keeps every message it is asked to send, by subscription."""

    kind = "test_memory"
    needs_url = False
    known_options = frozenset({"label"})
    sent: ClassVar[dict[str, list[Outgoing]]] = {}

    def send(self, outgoing: Outgoing) -> None:
        self.sent.setdefault(self.subscription.name, []).append(outgoing)


TEST_CITED = declare(EventKind("test_cited", "被引用", "cited by another document", digest_group=group("other")))


def config_using_them(tmp_path: Path, site: SampleSite, *, kind: str = "test_regex", channel: str = "test_memory") -> Path:
    path = tmp_path / "tracker.toml"
    path.write_text(
        f"""
[[source]]
name = "regex-mh"
kind = "{kind}"
start_urls = ["{site.url("listing", f"{MINHANG_DIR}/index.html")}", "{site.url("listing", f"{MINHANG_DIR}/index_2.html")}"]
allowed_hosts = ["127.0.0.1"]
delay = 0.01
links = "^content/.+[.]htm$"
baseline = false

[[subscription]]
name = "memory"
channel = "{channel}"
label = "team"
events = ["document_added", "test_cited"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


def test_a_config_naming_the_declared_kinds_loads(tmp_path: Path, site: SampleSite) -> None:
    settings = load_settings(config_using_them(tmp_path, site))
    assert settings.sources[0].kind == "test_regex"
    assert settings.subscriptions[0].channel == "test_memory"
    assert settings.subscriptions[0].events == ("document_added", "test_cited")


def test_an_undeclared_kind_is_refused_with_the_declared_ones_listed(tmp_path: Path, site: SampleSite) -> None:
    with pytest.raises(ConfigError, match=r"source\[0\]\.kind: unknown kind 'rss' \(expected .*test_regex"):
        load_settings(config_using_them(tmp_path, site, kind="rss"))
    with pytest.raises(ConfigError, match=r"subscription\[0\]\.channel: unknown channel 'teams' \(expected .*test_memory"):
        load_settings(config_using_them(tmp_path, site, channel="teams"))


def test_the_declared_kind_checks_its_own_options(tmp_path: Path, site: SampleSite) -> None:
    path = config_using_them(tmp_path, site)
    path.write_text(path.read_text(encoding="utf-8").replace('links = "', 'link = "'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"source\[0\] \(regex-mh\): unknown option\(s\) link for kind test_regex"):
        load_settings(path)


def test_the_new_kind_crawls_and_the_new_channel_sends(tmp_path: Path, site: SampleSite, engine: sa.Engine) -> None:
    settings = load_settings(config_using_them(tmp_path, site))
    (run,) = crawl(engine, settings)
    assert (run.outcome, run.new) == ("ok", 2)
    MemoryChannel.sent.clear()
    assert dispatch_due(engine, settings).sent == 2
    alerts = [alert for outgoing in MemoryChannel.sent["memory"] for alert in outgoing.alerts]
    assert sorted(alert.kind for alert in alerts) == ["document_added"] * 2
    assert all(alert.source == "regex-mh" for alert in alerts)


def test_the_new_event_kind_is_labelled_routed_and_grouped() -> None:
    alert: Alert = alert_from_rows(
        event_id=1, kind="test_cited", occurred_at=dt.datetime(2026, 12, 6), payload={"title": "杭政〔2017〕66号"}, document=None, source=None
    )
    assert (alert.kind_zh, alert.kind_en) == ("被引用", "cited by another document")
    assert digest_group(alert) == "other"
    settings = settings_from_dict(
        {
            "subscription": [
                {"name": "wants", "channel": "test_memory", "events": ["test_cited"]},
                {"name": "ignores", "channel": "test_memory", "events": ["document_added"]},
            ]
        }
    )
    wants, ignores = settings.subscriptions
    assert subscription_matches(wants, alert) and not subscription_matches(ignores, alert)


@pytest.mark.parametrize(
    ("package", "registry", "declared"),
    [
        (sources.kinds, SOURCE_KINDS, lambda entry: entry.__module__),
        (notifiers.channels, CHANNELS, lambda entry: entry.__module__),
    ],
)
def test_every_module_of_a_kinds_package_declares_itself(package: object, registry: Registry, declared: object) -> None:
    """The packages import every module they hold: a file dropped in is declared, none is listed by hand."""
    modules = {f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__)}  # type: ignore[attr-defined]
    declaring = {declared(registry.get(name)) for name in registry.names()}  # type: ignore[operator]
    assert modules - {f"{notifiers.channels.__name__}.base"} <= declaring


def test_event_kinds_are_declared_by_the_modules_of_their_package() -> None:
    for info in pkgutil.iter_modules(tracker.core.events.__path__):
        importlib.import_module(f"{tracker.core.events.__name__}.{info.name}")
    bundled = {"document_added", "document_changed", "document_removed", "status_changed", "expiry_reminder"}
    assert bundled | {"source_failing", "source_recovered", "source_baseline"} <= set(EVENT_KINDS.names())


def test_a_name_declared_twice_by_different_code_is_refused() -> None:
    registry: Registry[type] = Registry("source kind")
    registry.declare("rss", RegexSource)
    registry.declare("rss", RegexSource)  # the same class again (a module imported twice) is no conflict
    with pytest.raises(RegistryError, match="source kind 'rss' is declared twice"):
        registry.declare("rss", MemoryChannel)
