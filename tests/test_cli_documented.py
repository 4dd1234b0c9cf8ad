"""Every `tracker` command and subcommand has help text and is named in README.md or docs/*.md,
so a command cannot ship that a reader of the documentation would never find."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import typer
from typer.main import get_command

from tracker.cli import app

REPO = Path(__file__).resolve().parent.parent


def documentation() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def commands(command: object, name: str = "tracker") -> Iterator[tuple[str, object]]:
    """Every command below the root, by its full name (`tracker deliveries discard`), groups included."""
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        full = f"{name} {sub_name}"
        yield full, sub
        yield from commands(sub, full)


def without_help(root: object) -> list[str]:
    return [name for name, command in commands(root) if not (getattr(command, "help", None) or "").strip()]


def undocumented(root: object, text: str) -> list[str]:
    return [name for name, _ in commands(root) if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]


def test_every_command_has_help_text() -> None:
    assert without_help(get_command(app)) == []


def test_every_command_is_named_in_the_readme_or_docs() -> None:
    assert undocumented(get_command(app), documentation()) == []


def test_the_checks_name_a_command_without_help_or_documentation() -> None:
    fake = typer.Typer(help="A made-up CLI: one command without help, one subcommand nobody wrote down.")

    @fake.command("crawl")
    def crawl() -> None:
        """Run sources now."""

    @fake.command("secret")
    def secret() -> None:
        pass

    queue = typer.Typer(help="The outbox.")
    fake.add_typer(queue, name="deliveries")

    @queue.command("purge")
    def purge() -> None:
        """Drop everything."""

    root = get_command(fake)
    text = "Run `tracker crawl`, then `tracker deliveries` to see the outbox; tracker secrets is another word."
    assert undocumented(root, text) == ["tracker deliveries purge", "tracker secret"]
    assert without_help(root) == ["tracker secret"]
