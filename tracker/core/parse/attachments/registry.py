"""One registry for every attachment format: bytes of a file → an `Extraction`.

Each module of `tracker.core.parse.attachments.formats` declares a module-level `FORMAT`
(its name, extensions, MIME types, a magic-bytes sniffer and its `extract` function); the
registry is filled from those declarations when first asked, so adding a format is adding
a module. Extraction is pure (bytes in, text out) except the legacy converter, whose
subprocess is isolated in `formats.legacy`. Whatever a file does — truncated, encrypted,
hostile — `extract` answers with a status and a one-line reason, never an exception.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import posixpath
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote, urlsplit

#: The text was read.
OK = "ok"
#: A PDF with pages but no text layer (a scan): recorded as such, never as an empty document.
IMAGE_ONLY = "image_only"
#: A PDF that needs a password to be read.
ENCRYPTED = "encrypted"
#: A file of a known type that cannot be read (truncated, corrupt, not what it claims).
BROKEN = "broken"
#: A type not read here, or a legacy type with no converter on the machine.
UNSUPPORTED = "unsupported"
#: The file was not fetched: over the size cap, an HTTP error, a host not allowed.
NOT_FETCHED = "not_fetched"
STATUSES = (OK, IMAGE_ONLY, ENCRYPTED, BROKEN, UNSUPPORTED, NOT_FETCHED)


@dataclass(frozen=True)
class Extraction:
    """What a file's text turned out to be: paragraphs in reading order, or why there are none."""

    status: str
    paragraphs: tuple[str, ...] = ()
    reason: str | None = None
    pages: int = 0


class ExtractionFailed(Exception):
    """Raised by a format's `extract` for a file it recognises but cannot read; carries the status."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Format:
    """A format module's declaration: how to recognise its files, and how to read them."""

    name: str
    extensions: tuple[str, ...]
    mime_types: tuple[str, ...]
    extract: Callable[[bytes], Extraction]
    sniff: Callable[[bytes], bool] = lambda data: False


@functools.cache
def formats() -> tuple[Format, ...]:
    """Every declared format, from the modules of `tracker.core.parse.attachments.formats`."""
    package = importlib.import_module("tracker.core.parse.attachments.formats")
    declared = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        declared.append(module.FORMAT)
    return tuple(declared)


def extensions(names: frozenset[str] | None = None) -> frozenset[str]:
    """The file extensions (without dot) of the formats named (all formats when None)."""
    return frozenset(ext for fmt in formats() if names is None or fmt.name in names for ext in fmt.extensions)


#: Extensions of pages and download scripts: the file's own name is then in the query (`filename=x.pdf`).
SCRIPT_EXTENSIONS = frozenset({"", "jsp", "do", "action", "aspx", "asp", "php", "cgi", "htm", "html", "shtml"})


def extension_of(name: str) -> str:
    """`pdf` for `…/若干措施.PDF` or `downfile.jsp?filename=x.pdf`; the script's own
    extension (`jsp`, '') when no file name is given."""
    parts = urlsplit(name)
    own = _extension(parts.path)
    if own not in SCRIPT_EXTENSIONS:
        return own
    for value in reversed(parts.query.replace("&", "=").split("=")):
        ext = _extension(value)
        if ext not in SCRIPT_EXTENSIONS:
            return ext
    return own


def _extension(path: str) -> str:
    ext = posixpath.splitext(unquote(path))[1].lower().lstrip(".")
    return ext if ext.isalnum() else ""


def format_for(data: bytes, *, name: str = "", content_type: str | None = None) -> Format | None:
    """The format of a file: its extension first, then its Content-Type, then its first bytes."""
    ext = extension_of(name)
    mime = (content_type or "").split(";")[0].strip().lower()
    for matches in (
        lambda fmt: ext in fmt.extensions,
        lambda fmt: mime in fmt.mime_types,
        lambda fmt: fmt.sniff(data),
    ):
        found = next((fmt for fmt in formats() if matches(fmt)), None)
        if found is not None:
            return found
    return None


def extract(data: bytes, *, name: str = "", content_type: str | None = None) -> Extraction:
    """The text of one attachment, or its status and reason; never raises."""
    fmt = format_for(data, name=name, content_type=content_type)
    if fmt is None:
        shown = extension_of(name) or content_type or "unknown type"
        return Extraction(UNSUPPORTED, reason=f"unsupported: {shown} is not a document format read here")
    try:
        return fmt.extract(data)
    except ExtractionFailed as exc:
        return Extraction(exc.status, reason=exc.reason)
    except Exception as exc:  # hostile or corrupt input must give a reason, not stop a crawl
        first = (str(exc).splitlines() or [""])[0][:160]
        return Extraction(BROKEN, reason=f"broken: the {fmt.name} file cannot be read ({type(exc).__name__}: {first})")
