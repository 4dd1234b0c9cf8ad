"""`/api/…`: the pages' data as JSON, shaped like the CLI's `--json` (see docs/web.md)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.lifecycle import expiring_documents
from storage.queries import document_json
from storage.search import search
from storage.tables import Document
from storage.web_queries import recent_events
from tracker.core.errors import SearchQueryError, VersionNotFound
from tracker.json_shapes import event_json, status_json
from tracker.web.context import JSONResponse, WebContext, web_context
from tracker.web.pages import month_param, path_document
from tracker.web.params import BadQuery, document_filter, event_filter, text_param, version_pair, whole_number
from tracker.web.views import calendar_view, document_view, documents_view, redline_view, sources_view

ENDPOINTS = {
    "/api/documents": "documents, filtered by status, source, issuer, from, to, q; page",
    "/api/documents/{id}": "one document: `tracker show --json` plus the timeline",
    "/api/documents/{id}/diff": "the redline between versions from and to: `tracker diff --json`",
    "/api/search": "full-text search, q: `tracker search --json`",
    "/api/events": "events newest first, filtered by kind, source, status, q; limit: `tracker events --json`",
    "/api/sources": "configured sources with their health: `tracker sources --json`",
    "/api/expiring": "documents ending within `within` days (default 90): `tracker expiring --json`",
    "/api/calendar": "a month (month=YYYY-MM) of effective dates, ends and repeals, and the next 90 days",
}


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def api(handler: Callable[[Request, WebContext], Response]) -> Callable[[Request], Response]:
    """Bad parameters and unknown documents as `{"error": "…"}` with 400 or 404."""

    def endpoint(request: Request) -> Response:
        try:
            return handler(request, web_context(request))
        except BadQuery as exc:
            return _error(400, str(exc))
        except (LookupError, VersionNotFound) as exc:
            return _error(404, str(exc).strip("'\""))

    return endpoint


def index(request: Request, context: WebContext) -> Response:
    return JSONResponse({"endpoints": ENDPOINTS})


def documents(request: Request, context: WebContext) -> Response:
    with context.session() as session:
        return JSONResponse(documents_view(session, document_filter(request.query_params), context.today()))


def _document(session: Session, request: Request) -> Document:
    document = path_document(session, request)
    if document is None:
        raise LookupError(f"no document {request.path_params['id']}")
    return document


def document(request: Request, context: WebContext) -> Response:
    with context.session() as session:
        found = _document(session, request)
        return JSONResponse(document_view(session, found, context.today(), context.warning_days))


def diff(request: Request, context: WebContext) -> Response:
    old, new = version_pair(request.query_params)
    with context.session() as session:
        return JSONResponse(redline_view(session, _document(session, request), old, new))


def search_api(request: Request, context: WebContext) -> Response:
    text = text_param(request.query_params, "q") or ""
    limit = whole_number(request.query_params, "limit", 20, 1, 200)
    with context.session() as session:
        try:
            return JSONResponse([hit.to_json() for hit in search(session, text, limit=limit)])
        except SearchQueryError as exc:
            raise BadQuery(f"q: {exc}") from exc


def events(request: Request, context: WebContext) -> Response:
    spec = event_filter(request.query_params)
    limit = whole_number(request.query_params, "limit", 100, 1, 1000)
    with context.session() as session:
        return JSONResponse([event_json(event) for event in recent_events(session, spec, limit=limit)])


def sources(request: Request, context: WebContext) -> Response:
    with context.session() as session:
        return JSONResponse({"sources": sources_view(session, context.settings)})


def expiring(request: Request, context: WebContext) -> Response:
    within = whole_number(request.query_params, "within", 90, 0, 36500)
    on = context.today()
    with context.session() as session:
        ending = expiring_documents(session, on, within_days=within, warning_days=context.warning_days)
        return JSONResponse([{**document_json(session, d), **status_json(a, on), "days_left": left} for d, a, left in ending])


def calendar(request: Request, context: WebContext) -> Response:
    today = context.today()
    month = month_param(request.query_params.get("month"), today)
    with context.session() as session:
        return JSONResponse(calendar_view(session, today, month, context.warning_days))


ROUTES = [
    Route("/api", api(index)),
    Route("/api/documents", api(documents)),
    Route("/api/documents/{id:int}", api(document)),
    Route("/api/documents/{id:int}/diff", api(diff)),
    Route("/api/search", api(search_api)),
    Route("/api/events", api(events)),
    Route("/api/sources", api(sources)),
    Route("/api/expiring", api(expiring)),
    Route("/api/calendar", api(calendar)),
]
