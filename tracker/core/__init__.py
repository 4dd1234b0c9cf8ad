"""The pure core: the values passed between steps and the rules that act on them.

Parsing, diffing, the lifecycle, configuration, the event kinds and the registries of what
`tracker.toml` may name. No database, no network, no clock (the date is always a
parameter): every other package may import the core, and the core imports none of them
(the layering contract in `pyproject.toml`, checked by `tests/test_architecture.py`).

Names are loaded on first use: a crawler's parser process imports `tracker.core.prepare`
and should not pay for the diff or the configuration reader it never runs.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Clause": "tracker.core.model",
    "ClauseDiff": "tracker.core.model",
    "DocRef": "tracker.core.model",
    "PolicyDocument": "tracker.core.model",
    "Status": "tracker.core.model",
    "Settings": "tracker.core.config",
    "load_settings": "tracker.core.config",
    "parse_document": "tracker.core.parse",
    "prepare_page": "tracker.core.prepare",
    "diff_documents": "tracker.core.diff",
    "assess": "tracker.core.lifecycle",
    "EVENT_KINDS": "tracker.core.events",
    "EventKind": "tracker.core.events",
    "CHANNELS": "tracker.core.registry",
    "SOURCE_KINDS": "tracker.core.registry",
    "TrackerError": "tracker.core.errors",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
