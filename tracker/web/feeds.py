"""Stable URLs other tools poll: `/feeds/events.atom`, `/feeds/subscription/<name>.atom`, `/calendar.ics`.

Each answers a conditional GET from one aggregate query before rendering anything: the
ETag is made of what the response is made of (the newest matching event and how many
there are, or the calendar's text), and `Last-Modified` is the newest event's time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from email.utils import format_datetime
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notifiers.alert import Alert
from storage.tables import Event, utcnow
from storage.web_queries import EventFilter, FeedState, dated_documents, documents_state, event_feed_state, recent_events
from tracker.core.config import SubscriptionConfig
from tracker.core.errors import ConfigError
from tracker.pipeline.outbox import load_alerts, subscription_matches
from tracker.web.atom import FeedEntry, atom_feed, entry_id
from tracker.web.context import WebContext
from tracker.web.ical import calendar_text
from tracker.web.pages import guarded, problem
from tracker.web.params import event_filter

FEED_ENTRIES = 100
#: How far back a subscription feed looks for its newest matches (keywords and statuses are
#: checked per event, as the outbox does): batches of this many events, at most this many batches.
SCAN_BATCH, SCAN_BATCHES = 500, 20
ATOM = "application/atom+xml; charset=utf-8"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _validators(tag_source: str, state: FeedState) -> dict[str, str]:
    digest = hashlib.sha256(f"{tag_source}|{state.newest_id}|{state.count}".encode()).hexdigest()[:32]
    headers = {"ETag": f'"{digest}"', "Cache-Control": "no-cache"}
    if state.newest_at is not None:
        headers["Last-Modified"] = format_datetime(state.newest_at, usegmt=True)
    return headers


def _not_modified(request: Request, headers: dict[str, str]) -> Response | None:
    """304 when the reader already has this version (If-None-Match wins over If-Modified-Since)."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        given = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        matched = headers["ETag"].removeprefix("W/") in given or "*" in given
        return Response(status_code=304, headers=headers) if matched else None
    since = request.headers.get("if-modified-since")
    if since is not None and since == headers.get("Last-Modified"):
        return Response(status_code=304, headers=headers)
    return None


def _entry(context: WebContext, base: str, event: Event, alert: Alert) -> FeedEntry:
    document = f"{base}/documents/{event.document_id}" if event.document_id is not None else None
    redline = None
    payload = event.payload or {}
    if event.kind == "document_changed" and document is not None and payload.get("to_version"):
        redline = f"{document}/redline?from={payload.get('from_version') or ''}&to={payload['to_version']}"
    content = context.env.get_template("feed_entry.html").render(alert=alert, document_link=document, redline_link=redline)
    number = f"（{alert.doc_number}）" if alert.doc_number else ""
    return FeedEntry(
        id=entry_id(event.dedupe_key),
        title=f"[{alert.kind_zh}] {alert.title}{number}",
        updated=event.occurred_at,
        link=redline or document or alert.url,
        content_html=content,
        category=event.kind,
    )


def _feed(request: Request, context: WebContext, title: str, events: Sequence[tuple[Event, Alert]], state: FeedState, headers: dict[str, str]) -> Response:
    base = context.base(request)
    self_url = f"{base}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    body = atom_feed(
        feed_id=f"{base}{request.url.path}",
        title=title,
        self_url=self_url,
        alternate_url=f"{base}/events",
        updated=state.newest_at or utcnow(),
        entries=[_entry(context, base, event, alert) for event, alert in events],
    )
    return Response(body, media_type=ATOM, headers=headers)


def _event_feed(
    request: Request,
    context: WebContext,
    spec: EventFilter,
    tag: str,
    title: str,
    select: Callable[[Session], list[tuple[Event, Alert]]],
) -> Response:
    """A feed of the events `select` picks among those `spec` matches; 304 when `spec`'s state has not moved."""
    with context.session() as session:
        state = event_feed_state(session, spec)
        headers = _validators(tag, state)
        unchanged = _not_modified(request, headers)
        if unchanged is not None:
            return unchanged
        pairs = select(session)
    return _feed(request, context, title, pairs, state, headers)


def _latest_events(session: Session, spec: EventFilter) -> list[tuple[Event, Alert]]:
    events = recent_events(session, spec, limit=FEED_ENTRIES)
    alerts = load_alerts(session, events)
    return [(event, alerts[event.id]) for event in events if event.id is not None]


def events_feed(request: Request, context: WebContext) -> Response:
    spec = event_filter(request.query_params)
    return _event_feed(
        request, context, spec, f"events?{request.url.query}", "政策动态 Policy events", lambda session: _latest_events(session, spec)
    )


def _subscription_events(session: Session, subscription: SubscriptionConfig, spec: EventFilter) -> list[tuple[Event, Alert]]:
    """The newest events the subscription would have been sent, as the outbox decides it."""
    matched: list[tuple[Event, Alert]] = []
    before: int | None = None
    for _batch in range(SCAN_BATCHES):
        events = recent_events(session, spec, limit=SCAN_BATCH, before_id=before)
        if not events:
            break
        alerts = load_alerts(session, events)
        matched += [(e, alerts[e.id]) for e in events if e.id is not None and subscription_matches(subscription, alerts[e.id])]
        if len(matched) >= FEED_ENTRIES:
            break
        before = events[-1].id
    return matched[:FEED_ENTRIES]


def subscription_feed(request: Request, context: WebContext) -> Response:
    name = request.path_params["name"]
    try:
        subscription = context.settings.subscription(name)
    except ConfigError:
        return problem(context, request, 404, f"no subscription named {name!r} in the configuration")
    spec = EventFilter(kinds=subscription.events, sources=subscription.sources)
    return _event_feed(
        request, context, spec, f"subscription|{subscription!r}", f"政策动态 Policy events: {name}",
        lambda session: _subscription_events(session, subscription, spec),
    )  # fmt: skip


def calendar_feed(request: Request, context: WebContext) -> Response:
    """All known dates as all-day events; DTSTAMP and the validators come from the latest save."""
    base = context.base(request)
    with context.session() as session:
        state = documents_state(session)
        headers = _validators(f"calendar|{base}", state)
        unchanged = _not_modified(request, headers)
        if unchanged is not None:
            return unchanged
        documents = dated_documents(session)
    host = urlsplit(base).hostname or "policy-tracker"
    text = calendar_text(documents, host=host, base_url=base, stamp=state.newest_at or EPOCH)
    return Response(text.encode("utf-8"), media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [
    Route("/feeds/events.atom", guarded(events_feed)),
    Route("/feeds/subscription/{name}.atom", guarded(subscription_feed)),
    Route("/calendar.ics", guarded(calendar_feed)),
]
