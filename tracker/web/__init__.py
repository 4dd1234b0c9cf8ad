"""`tracker web`: a read-only web view, Atom feeds, a policy calendar and a JSON API over the database.

Application layer. Routes are split by family (`pages`, `feeds`, `api`); the pure builders
(`timeline`, `atom`, `ical`, `params`) take plain values; every query is in
`storage.web_queries` and the engine is read-only (`storage.readonly`).

API: `create_app(engine, settings) -> Starlette`; `serve(...)` runs it under uvicorn.
"""

from tracker.web.app import create_app
from tracker.web.serve import serve

__all__ = ["create_app", "serve"]
