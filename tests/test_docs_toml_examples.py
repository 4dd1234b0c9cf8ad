"""Every ```toml example in README.md and docs/*.md loads as a tracker.toml, with every check
the daemon makes, so a reader who copies one gets a working configuration.

An example that is deliberately not a whole configuration is marked by the line
`<!-- not-a-config -->` just above its fence. The environment an example needs is made up:
its `${VAR}`s are set to dummy values and the folders its `files` sources name are created
(`~` is a temporary home, relative paths are relative to a temporary working directory).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tracker.core import redact
from tracker.cli.app import load_validated_settings

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(?P<marker><!-- not-a-config -->\n)?```toml\n(?P<body>.*?)^```", re.S | re.M)


def toml_examples(text: str) -> list[tuple[int, str]]:
    """(line of the fence, body) of every ```toml block not marked as a fragment."""
    return [
        (text.count("\n", 0, match.start("body")), match["body"]) for match in FENCE.finditer(text) if not match["marker"]
    ]


def documented_examples() -> list[object]:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [
        pytest.param(body, id=f"{page.name}:{line}")
        for page in pages
        for line, body in toml_examples(page.read_text(encoding="utf-8"))
    ]


def dummy_value(variable: str) -> str:
    if "WEBHOOK" in variable or "URL" in variable:
        return f"https://hooks.example.org/doc-example-{variable.lower()}"
    return "587" if "PORT" in variable else f"doc-example-{variable.lower()}"


@pytest.mark.parametrize("body", documented_examples())
def test_the_example_loads(body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact, "_secrets", set())  # the dummy values are registered as secrets: forget them after
    monkeypatch.setattr(redact, "_secrets_pattern", None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    for variable in set(re.findall(r"\$\{(\w+)\}", body)):
        monkeypatch.setenv(variable, dummy_value(variable))
    for source in tomllib.loads(body).get("source", []):
        for folder in source.get("paths", []) if source.get("kind") == "files" else []:
            path = Path(folder).expanduser().absolute()
            assert path.is_relative_to(tmp_path), f"{folder}: use a path under ~ or a relative one in examples"
            path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "tracker.toml"
    config.write_text(body, encoding="utf-8")
    load_validated_settings(config)


def test_examples_are_found_and_a_marked_fragment_is_left_out() -> None:
    assert len(documented_examples()) >= 15
    page = 'Text.\n\n```toml\nname = "a"\n```\n\n<!-- not-a-config -->\n```toml\nitem = "li"\n```\n\n```sh\nx = 1\n```\n'
    assert toml_examples(page) == [(3, 'name = "a"\n')]
