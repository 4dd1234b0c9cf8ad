"""The shipped catalog: every definition loads, validates, and says whether it was verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.catalog import catalog_files
import sources  # noqa: F401  (declares the source kinds the config names)
from tracker.core.config import load_settings


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: p.name)
def test_catalog_entry_is_valid_and_marked_unverified(path: Path) -> None:
    settings = load_settings(path)

    assert len(settings.sources) == 1
    [source] = settings.sources
    assert source.options["verified"] is False
    assert "NOT VERIFIED" in path.read_text(encoding="utf-8")
    assert source.delay >= 1.0  # polite by default on real sites


def test_catalog_covers_the_seed_sites() -> None:
    names = {load_settings(p).sources[0].name: p for p in catalog_files()}

    assert set(names) == {"hz-gfxwj", "hz-jxj", "mh-gfxwj", "govcn-zhengceku"}
