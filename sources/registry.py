"""Config `kind` → the declared `Source` subclass (`tracker.core.registry.SOURCE_KINDS`).

Adding a site of a known kind is configuration only; adding a kind is one module in
`sources/kinds/` (or anywhere that is imported) that subclasses `Source` with its own `kind`.
"""

from __future__ import annotations

import sources.kinds  # noqa: F401  (declares the bundled kinds)
from sources.base import Source
from sources.http import HttpClient
from sources.responses import RequestStats
from tracker.core.config import SourceConfig
from tracker.core.registry import SOURCE_KINDS

__all__ = ["create_source", "source_kind"]


def source_kind(name: str) -> type[Source]:
    """The class declared for `kind = name`; RegistryError lists the known kinds."""
    kind = SOURCE_KINDS.get(name)
    assert isinstance(kind, type) and issubclass(kind, Source)
    return kind


def create_source(config: SourceConfig, client: HttpClient, stats: RequestStats | None = None) -> Source:
    """A ready source of the configured kind, sharing `client` with every other source."""
    return source_kind(config.kind)(config, client, stats)
