"""The `tracker web` application: routes by page family, the guard, the shared context.

The stylesheet is inlined into every page (`templates/style.css`): no page loads anything else.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware import Middleware

from tracker.core.config import Settings
from tracker.web import api, feeds, pages
from tracker.web.context import WebContext, environment
from tracker.web.security import Guard


def create_app(engine: sa.Engine, settings: Settings) -> Starlette:
    """The ASGI app over `engine` (open it with `storage.readonly.open_read_only`)."""
    app = Starlette(
        routes=[*pages.ROUTES, *feeds.ROUTES, *api.ROUTES],
        middleware=[Middleware(Guard, token=settings.web.token)],
    )
    app.state.web = WebContext(engine=engine, settings=settings, env=environment())
    return app
