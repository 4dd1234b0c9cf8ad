"""What every route of `tracker web` shares: the read-only engine, the settings, the templates, today."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import jinja2
import sqlalchemy as sa
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from notifiers.escape import printable
from storage.tables import utcnow
from tracker.core.config import Settings


def _finalize(value: Any) -> Any:
    """Every printed value loses its control characters; autoescaping then makes it inert HTML."""
    if value is None:
        return ""
    if isinstance(value, jinja2.runtime.Undefined) or isinstance(value, (int, float)) or hasattr(value, "__html__"):
        return value
    return printable(str(value))


def environment() -> jinja2.Environment:
    """Autoescaped templates; a field a placeholder document lacks renders empty."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tracker.web", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


class JSONResponse(Response):
    """UTF-8 JSON with Chinese left readable, dates as ISO text: the CLI's `--json` conventions."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, indent=2, default=str).encode("utf-8")


@dataclass(frozen=True)
class WebContext:
    engine: sa.Engine
    settings: Settings
    env: jinja2.Environment

    @property
    def warning_days(self) -> int:
        return self.settings.tracker.warning_days

    def today(self) -> dt.date:
        return utcnow().astimezone(self.settings.tracker.tz).date()

    def session(self) -> Session:
        return Session(self.engine)

    def base(self, request: Request) -> str:
        """Absolute links start here: `[tracker] base_url`, else the address the request came to."""
        return self.settings.tracker.base_url or str(request.base_url).rstrip("/")

    def page(self, request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(request_path=request.url.path, **values)
        return HTMLResponse(html, status_code=status_code)


def web_context(request: Request) -> WebContext:
    context = request.app.state.web
    assert isinstance(context, WebContext)
    return context
