"""Where documents come from: the polite HTTP client and the source kinds.

A kind is a `Source` subclass with its own `kind = "…"`; the bundled ones live in
`sources/kinds/`, one module each, and declare themselves when imported.
"""

from sources.base import DocumentRef, ListingPage, Source
from sources.http import HttpClient, HttpPolicy
from sources.registry import create_source, source_kind
from sources.responses import Fetched, RequestStats
from tracker.core.errors import BlockedError, DisallowedError, FetchError

__all__ = [
    "BlockedError",
    "DisallowedError",
    "DocumentRef",
    "FetchError",
    "Fetched",
    "HttpClient",
    "HttpPolicy",
    "ListingPage",
    "RequestStats",
    "Source",
    "create_source",
    "source_kind",
]
