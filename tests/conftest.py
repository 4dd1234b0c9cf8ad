"""Shared test fixtures: paths to the real documents in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
SEEDS = SHARED_FIXTURES / "seeds"
GOVCN = SHARED_FIXTURES / "govcn"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """The three seed documents by their number prefix: '000', '001', '002'."""
    return {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}
