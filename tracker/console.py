"""The `tracker` console script's entry point, kept apart from the CLI on purpose.

The crawler's parser processes are started with `spawn`, which re-imports the program's
main script in every new process. The script only imports this module, so that costs a
parser process nothing; had it imported `tracker.cli` (typer, rich, storage, notifiers,
the pipeline), each parser process would hold the whole application, ~55 MB more, for code
it never runs.
"""

from __future__ import annotations


def main() -> None:
    from tracker.cli import main as run_cli

    run_cli()
