"""The machine shapes of the read side, shared by the CLI's `--json` and `tracker web`'s `/api/`.

One definition each, so a script reading `tracker show --json` reads `/api/documents/<id>`
the same way. Values in, dictionaries out; the queries stay in `storage/`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from storage.queries import RelationView, document_json
from storage.tables import Attachment, CheckRun, Event, Source, Version
from tracker.core.config import SourceConfig
from tracker.core.lifecycle import Assessment


def status_json(assessment: Assessment, on: dt.date) -> dict[str, object]:
    """The document JSON's status fields as computed for `on` (they replace the stored ones)."""
    return {
        "as_of": on.isoformat(),
        "status": assessment.status.value,
        "status_label": assessment.status.label_zh,
        "status_since": assessment.since.isoformat() if assessment.since else None,
        "status_reason": assessment.reason,
        "status_evidence": assessment.evidence,
        "status_by_document_id": assessment.by_document_id,
        "status_by": assessment.by_label,
        "amended": assessment.amended,
    }


def relation_json(view: RelationView, direction: str) -> dict[str, Any]:
    relation = view.relation
    return {
        "direction": direction,
        "kind": relation.kind,
        "target_title": relation.target_title,
        "target_doc_number": relation.target_doc_number,
        "evidence": relation.evidence,
        "document_id": view.other.id if view.other else None,
        "document_title": view.other.title if view.other else None,
    }


def show_json(
    session: Session,
    document: Any,
    assessment: Assessment,
    on: dt.date,
    outgoing: list[RelationView],
    incoming: list[RelationView],
    versions: list[Version],
    attachments: list[Attachment] | None = None,
) -> dict[str, Any]:
    """`tracker show --json`: the document with its clauses, status, relations, versions,
    provenance and the files its latest version was read with."""
    return {
        **document_json(session, document, clauses=True),
        **status_json(assessment, on),
        "relations": [relation_json(view, "outgoing") for view in outgoing]
        + [relation_json(view, "incoming") for view in incoming],
        "versions": [
            {"version": v.number, "fetched_at": v.fetched_at.isoformat(), "summary": v.change_summary} for v in versions
        ],
        "provenance": versions[0].doc_metadata.get("provenance", {}) if versions else {},
        "warnings": versions[0].doc_metadata.get("warnings", []) if versions else [],
        "attachments": [attachment_json(item) for item in attachments or []],
    }


def attachment_json(item: Attachment) -> dict[str, Any]:
    keys = ("url", "label", "content_type", "status", "reason", "size", "pages", "sha256")
    return {key: getattr(item, key) for key in keys}


def event_json(event: Event) -> dict[str, object]:
    return {
        "id": event.id,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "document_id": event.document_id,
        "version_id": event.version_id,
        "source_id": event.source_id,
        "dedupe_key": event.dedupe_key,
        "payload": event.payload,
    }


def source_health(config: SourceConfig, row: Source | None, check: CheckRun | None) -> dict[str, Any]:
    """`tracker sources --json`: a configured source with its last run and failures."""
    verified = config.options.get("verified")
    return {
        "name": config.name,
        "kind": config.kind,
        "enabled": config.enabled,
        "verified": verified if isinstance(verified, bool) else None,
        "obey_robots": config.obey_robots,
        "last_run_at": row.last_run_at.isoformat() if row and row.last_run_at else None,
        "last_success_at": row.last_success_at.isoformat() if row and row.last_success_at else None,
        "consecutive_failures": row.consecutive_failures if row else 0,
        "last_error": row.last_error if row else None,
        "last_check": None
        if check is None
        else {
            "outcome": check.outcome,
            "started_at": check.started_at.isoformat(),
            "pages": check.pages,
            "requests": check.requests,
            "new": check.new,
            "changed": check.changed,
            "unchanged": check.unchanged,
            "removed": check.removed,
            "blocked": check.blocked,
            "errors": check.errors,
        },
    }
