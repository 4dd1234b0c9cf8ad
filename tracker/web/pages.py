"""The HTML pages: documents, one document, its redline, search, events, sources, the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from storage.search import search
from storage.tables import Document
from storage.web_queries import recent_events
from tracker.core.errors import SearchQueryError, VersionNotFound
from tracker.core.events import EVENT_KINDS
from tracker.pipeline.outbox import load_alerts
from tracker.web.context import WebContext, web_context
from tracker.web.params import BadQuery, document_filter, document_id, event_filter, text_param, version_pair
from tracker.web.views import calendar_view, document_view, documents_view, redline_view, sources_view

Handler = Callable[[Request], Response]


def problem(context: WebContext, request: Request, status: int, message: str) -> Response:
    """A one-line explanation as a page: a bad parameter, an unknown document."""
    return context.page(request, "problem.html", status_code=status, title=str(status), message=message)


def guarded(handler: Callable[[Request, WebContext], Response]) -> Handler:
    """Bad query parameters become a 400 page naming the parameter, never a traceback."""

    def endpoint(request: Request) -> Response:
        context = web_context(request)
        try:
            return handler(request, context)
        except BadQuery as exc:
            return problem(context, request, 400, str(exc))

    return endpoint


def home(request: Request, context: WebContext) -> Response:
    return RedirectResponse("/documents", status_code=302)


def documents_page(request: Request, context: WebContext) -> Response:
    spec = document_filter(request.query_params)
    with context.session() as session:
        data = documents_view(session, spec, context.today())
    return context.page(request, "documents.html", data=data, params=dict(request.query_params))


def path_document(session: Session, request: Request) -> Document | None:
    number = document_id(str(request.path_params["id"]))
    return session.get(Document, number) if number is not None else None


def document_page(request: Request, context: WebContext) -> Response:
    with context.session() as session:
        document = path_document(session, request)
        if document is None:
            return problem(context, request, 404, f"no document {request.path_params['id']}")
        data = document_view(session, document, context.today(), context.warning_days)
    return context.page(request, "document.html", doc=data)


def redline_page(request: Request, context: WebContext) -> Response:
    old, new = version_pair(request.query_params)
    with context.session() as session:
        document = path_document(session, request)
        if document is None:
            return problem(context, request, 404, f"no document {request.path_params['id']}")
        try:
            data = redline_view(session, document, old, new)
        except VersionNotFound as exc:
            return problem(context, request, 404, f"{document.title}: {exc}")
    return context.page(request, "redline.html", diff=data)


def search_page(request: Request, context: WebContext) -> Response:
    text = text_param(request.query_params, "q") or ""
    hits = []
    message = None
    if text:
        with context.session() as session:
            try:
                hits = [hit.to_json() for hit in search(session, text, limit=50)]
            except SearchQueryError as exc:
                message = str(exc)
    return context.page(request, "search.html", q=text, hits=hits, message=message)


def events_page(request: Request, context: WebContext) -> Response:
    spec = event_filter(request.query_params)
    with context.session() as session:
        events = recent_events(session, spec, limit=100)
        alerts = load_alerts(session, events)
    rows = [(event, alerts[event.id]) for event in events if event.id is not None]
    feed = "/feeds/events.atom" + (f"?{request.url.query}" if request.url.query else "")
    return context.page(
        request, "events.html", rows=rows, params=dict(request.query_params), kinds=[EVENT_KINDS.get(name) for name in EVENT_KINDS], feed=feed
    )


def sources_page(request: Request, context: WebContext) -> Response:
    with context.session() as session:
        sources = sources_view(session, context.settings)
    return context.page(request, "sources.html", sources=sources)


def month_param(value: str | None, today: dt.date) -> tuple[int, int]:
    if not value:
        return today.year, today.month
    try:
        month = dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise BadQuery(f"month: {value!r} is not a month; use YYYY-MM, e.g. 2026-12") from None
    return month.year, month.month


def calendar_page(request: Request, context: WebContext) -> Response:
    today = context.today()
    month = month_param(request.query_params.get("month"), today)
    with context.session() as session:
        data = calendar_view(session, today, month, context.warning_days)
    return context.page(request, "calendar.html", cal=data)


ROUTES = [
    Route("/", guarded(home)),
    Route("/documents", guarded(documents_page)),
    Route("/documents/{id:int}", guarded(document_page)),
    Route("/documents/{id:int}/redline", guarded(redline_page)),
    Route("/search", guarded(search_page)),
    Route("/events", guarded(events_page)),
    Route("/sources", guarded(sources_page)),
    Route("/calendar", guarded(calendar_page)),
]
