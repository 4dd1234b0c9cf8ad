"""Links from an alert to `tracker web`: the document page and, for a change, its redline.

With `[tracker] base_url` set, every alert and digest links there as well as to the
government page, so a reader lands on what changed, not only on where it was published.
Pure: an alert and a base URL in, (label, URL) pairs out.
"""

from __future__ import annotations

from notifiers.alert import Alert

WEB_PAGE = "网页 Web page"
REDLINE = "修订对照 Redline"


def web_links(alert: Alert, base_url: str | None) -> tuple[tuple[str, str], ...]:
    """Nothing without a base URL or a document (source events)."""
    if not base_url or alert.document_id is None:
        return ()
    page = f"{base_url.rstrip('/')}/documents/{alert.document_id}"
    links = [(WEB_PAGE, page)]
    new = alert.payload.get("to_version")
    if alert.kind == "document_changed" and isinstance(new, int):
        old = alert.payload.get("from_version")
        links.append((REDLINE, f"{page}/redline?from={old if isinstance(old, int) else ''}&to={new}"))
    return tuple(links)
