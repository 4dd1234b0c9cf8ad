"""Ready-made `[[source]]` definitions for real sites, one TOML file per site.

Copy a file's table into tracker.toml. Each says in a comment and with `verified = false`
whether its selectors or ids were checked against the live site.
"""

from __future__ import annotations

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent


def catalog_files() -> list[Path]:
    return sorted(CATALOG_DIR.glob("*.toml"))
