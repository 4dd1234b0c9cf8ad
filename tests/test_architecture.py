"""The layering contract (pyproject's [tool.importlinter], docs/architecture.md) holds, covers
every application module, and fails on a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tracker", "sources", "storage", "notifiers")
MAX_MODULE_LINES = 400


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the packages under `root`, with `root`'s own contract."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())", "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return [name.strip() for layer in layers for name in layer.split("|")]


def test_the_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_application_module_has_a_layer() -> None:
    """A new module beside the core (say `tracker/web/`) must be placed in the contract, or
    nothing would stop the layers below from importing it."""
    layered = set(contract_layers())
    tracker_modules = {
        f"tracker.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "tracker").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert tracker_modules - layered == set()
    assert {"sources", "storage", "notifiers", "tracker.core"} <= layered


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("tracker/core/model.py", "import storage.tables", "tracker.core is not allowed to import storage"),
        ("storage/tables.py", "import notifiers.render", "storage is not allowed to import notifiers"),
        ("notifiers/render.py", "import tracker.pipeline", "notifiers is not allowed to import tracker.pipeline"),
        ("tracker/core/diff.py", "import sqlalchemy", "tracker.core is not allowed to import sqlalchemy"),
    ],
)
def test_a_wrong_import_breaks_the_contract(tmp_path: Path, module: str, wrong_import: str, broken: str) -> None:
    """A scratch copy of the code with one import that looks up fails `lint-imports`."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{wrong_import}  # the scratch test's wrong import\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert broken in " ".join(result.stdout.split())


def test_no_module_is_over_the_size_limit() -> None:
    """Long modules had several reasons to change; migrations are generated history."""
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
