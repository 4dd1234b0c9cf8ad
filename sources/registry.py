"""The one table of source kinds: config `kind` → class, and the config-time option check.

Adding a site of a known kind is configuration only; adding a kind means one module in
`sources/` and one line here.
"""

from __future__ import annotations

from sources.base import Source
from sources.files import FilesSource
from sources.govcn import GovcnSource
from sources.hanweb import HanwebSource
from sources.http import HttpClient, RequestStats
from sources.listing import ListingSource
from tracker.core.config import SourceConfig

KINDS: dict[str, type[Source]] = {
    cls.kind: cls for cls in (ListingSource, HanwebSource, GovcnSource, FilesSource)
}


def validate_source(config: SourceConfig) -> None:
    """The `validate_source` hook of `tracker.core.config.load_settings`: ValueError names the option."""
    try:
        kind = KINDS[config.kind]
    except KeyError:
        raise ValueError(f"unknown kind {config.kind!r} (expected {', '.join(KINDS)})") from None
    kind.validate(config)


def create_source(config: SourceConfig, client: HttpClient, stats: RequestStats | None = None) -> Source:
    """A ready source of the configured kind, sharing `client` with every other source."""
    validate_source(config)
    return KINDS[config.kind](config, client, stats)
