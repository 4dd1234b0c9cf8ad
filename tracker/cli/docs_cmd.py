"""`tracker docs` (the list) and `tracker show DOC` (one document with relations and versions).

Filters and sections are small separate pieces so lifecycle options (`--status`,
`--as-of`, status evidence) can be added next to them.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from storage.attachments import attachments_of
from storage.queries import (
    RelationView,
    document_json,
    list_documents,
    relations_from,
    relations_to,
    versions_of,
)
from storage.tables import Document
from tracker.cli.app import app, cell, console, print_json
from tracker.cli.lifecycle_cmd import AS_OF_HELP, assessments_on, status_lines, status_option
from tracker.cli.store_cmd import database_session, document_or_fail, local_time
from tracker.core.lifecycle import Assessment
from tracker.core.parse.attachments import OK
from tracker.json_shapes import show_json, status_json


@app.command()
def docs(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="Only documents with this status on the date."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """List stored documents with their status on a date (default today) and dates."""
    wanted = status_option(status)
    with database_session(ctx) as session:
        on, assessments = assessments_on(ctx, session, as_of)
        rows = [(d, assessments[d.id]) for d in list_documents(session) if d.id is not None]
        rows = [(d, a) for d, a in rows if wanted is None or a.status is wanted]
        if json_output:
            print_json([{**document_json(session, d), **status_json(a, on)} for d, a in rows])
            return
        console.print(documents_table(rows))


def documents_table(rows: list[tuple[Document, Assessment]]) -> Table:
    table = Table()
    for column in ("id", "status", "title", "文号", "issued", "effective", "expires"):
        table.add_column(column, overflow="fold")  # long Chinese titles wrap instead of being cut
    for d, assessment in rows:
        title = d.title + (" (placeholder)" if d.is_placeholder else "")
        table.add_row(
            str(d.id),
            assessment.status.label,
            cell(title),
            cell(d.doc_number or ""),
            _date(d.issued_on),
            _date(d.effective_from),
            _date(d.expires_on),
        )
    return table


@app.command()
def show(
    ctx: typer.Context,
    doc: str = typer.Argument(..., help="Document id, URL or 文号."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """One document: metadata, status with its evidence, relations both ways, versions."""
    with database_session(ctx) as session:
        document = document_or_fail(session, doc)
        assert document.id is not None
        on, assessments = assessments_on(ctx, session, as_of, [document.id])
        outgoing = relations_from(session, document.id)
        incoming = relations_to(session, document.id)
        versions = versions_of(session, document.id)
        files = attachments_of(session, versions[0].id) if versions and versions[0].id is not None else []
        if json_output:
            print_json(show_json(session, document, assessments[document.id], on, outgoing, incoming, versions, files))
            return
        render_document(document, assessments[document.id], outgoing, incoming)
        if versions:
            render_provenance(versions[0].doc_metadata)
        for item in files:
            status = item.status if item.status == OK else f"{item.status}: {item.reason}"
            console.print(f"attachment {item.url} ({item.content_type or 'unknown type'}) {status}", markup=False)
        if versions:
            console.print(
                "versions: " + ", ".join(f"v{v.number} {local_time(v.fetched_at)}" for v in versions), markup=False
            )


_SNIPPET_CHARS = 60



def render_provenance(metadata: dict[str, Any]) -> None:
    """Where each value of the latest version came from, and what the parser was unsure of."""
    provenance: dict[str, dict[str, Any]] = metadata.get("provenance") or {}
    if provenance:
        console.print("where the values come from:", markup=False)
    for name, origin in provenance.items():
        line = f"  {name} ← {origin.get('source')}"
        snippet = " ".join(str(origin.get("snippet") or "").split())
        if snippet:
            line += f": {snippet[:_SNIPPET_CHARS]}{'…' if len(snippet) > _SNIPPET_CHARS else ''}"
        for other in origin.get("others", []):
            line += f" (also {other['source']}: {other['value']})"
        console.print(line, markup=False)
    for warning in metadata.get("warnings") or []:
        console.print(f"warning: {warning}", markup=False)


def render_document(
    document: Document, assessment: Assessment, outgoing: list[RelationView], incoming: list[RelationView]
) -> None:
    fields = [
        ("id", str(document.id)),
        ("url", document.url),
        ("title", document.title),
        ("文号", document.doc_number),
        ("enclosed", document.enclosed_title),
        ("issuer", document.issuer),
        ("issued", _date(document.issued_on)),
        ("published", _date(document.published_on)),
        ("effective", _date(document.effective_from)),
        ("expires", _date(document.expires_on)),
        *status_lines(assessment),
    ]
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")  # evidence sentences wrap whole, never cut with …
    for label, value in fields:
        if value:
            table.add_row(label, cell(value))
    console.print(table)
    for view in outgoing:
        console.print(f"{view.relation.kind} → {_relation_target(view)}", markup=False)
    for view in incoming:
        other = view.other
        name = f"[{other.id}] {other.title}" if other else "?"
        console.print(f"{view.relation.kind} ← {name}", markup=False)


def _relation_target(view: RelationView) -> str:
    written = f"《{view.relation.target_title}》" if view.relation.target_title else ""
    written += f"（{view.relation.target_doc_number}）" if view.relation.target_doc_number else ""
    if view.other is None:
        return f"{written} (not stored)"
    return f"{written} [{view.other.id}]" + (" (placeholder)" if view.other.is_placeholder else "")


def _date(value: object) -> str:
    return str(value) if value else ""
