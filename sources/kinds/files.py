"""`files`: documents from a local folder or a list of files, for offline archives and tests.

Options: `paths` (files and/or folders, required; folders are searched recursively),
`patterns` (file name globs, default HTML, text and Markdown files), `base_url` (when
the folder mirrors a site: a file's URL becomes `base_url` + its path inside the folder,
so stored documents carry their real addresses; otherwise `file://` URIs are used).

A file's modification time and size play the part of an ETag, so an unchanged archive
re-crawls without reading a single file; a file that disappeared answers like a 404.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import quote, unquote, urlsplit

from sources.base import DocumentRef, ListingPage, Source, option
from sources.responses import Fetched
from tracker.core.config import SourceConfig
from tracker.core.errors import FetchError

DEFAULT_PATTERNS = ("*.html", "*.htm", "*.txt", "*.md")
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".md": "text/markdown", ".txt": "text/plain"}


class FilesSource(Source):
    kind = "files"
    options = frozenset({"paths", "patterns", "base_url"})

    @classmethod
    def validate_options(cls, config: SourceConfig) -> None:
        paths = option(config, "paths", list, required=True)
        if not paths or not all(isinstance(p, str) and p for p in paths):
            raise ValueError("paths must be a non-empty list of file or folder paths")
        missing = [p for p in paths if not Path(p).expanduser().exists()]
        if missing:
            raise ValueError(f"paths: {', '.join(missing)} does not exist")
        patterns = option(config, "patterns", list, list(DEFAULT_PATTERNS))
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            raise ValueError("patterns must be a non-empty list of file name globs such as \"*.html\"")
        base_url = option(config, "base_url", str)
        if base_url is not None and urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url {base_url!r} is not an http(s) URL")

    @property
    def roots(self) -> list[Path]:
        return [Path(p).expanduser().resolve() for p in self.config.options["paths"]]

    def listings(self) -> tuple[str, ...]:
        """One listing: every file under `paths`, read in one go."""
        return (", ".join(str(root) for root in self.roots),)

    async def pages(self, listing: str) -> AsyncIterator[ListingPage]:
        files = await asyncio.to_thread(self._files)
        refs = tuple(DocumentRef(url=self.url_of(path)) for path in files)
        yield ListingPage(url=listing, refs=refs, last=True)

    def _files(self) -> list[Path]:
        patterns = tuple(self.config.options.get("patterns", DEFAULT_PATTERNS))
        found: dict[Path, None] = {}
        for root in self.roots:
            if root.is_file():
                found[root] = None
                continue
            for pattern in patterns:
                for path in sorted(root.rglob(pattern)):
                    if path.is_file():
                        found[path] = None
        return list(found)

    def url_of(self, path: Path) -> str:
        base_url = self.config.options.get("base_url")
        if base_url:
            for root in self.roots:
                if root.is_dir() and path.is_relative_to(root):
                    return base_url.rstrip("/") + "/" + quote(path.relative_to(root).as_posix())
        return path.as_uri()

    def path_of(self, url: str) -> Path:
        base_url = self.config.options.get("base_url")
        if base_url and url.startswith(base_url.rstrip("/") + "/"):
            relative = unquote(url[len(base_url.rstrip("/")) + 1 :])
            for root in self.roots:
                if root.is_dir() and (root / relative).exists():
                    return root / relative
            return self.roots[0] / relative
        if url.startswith("file://"):
            return Path(unquote(urlsplit(url).path))
        raise FetchError(url, "not a file of this source")

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        path = self.path_of(url)
        self.stats.requests += 1
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError as exc:
            raise FetchError(url, "file not found", 404) from exc
        validator = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = {"etag": validator, "content-type": CONTENT_TYPES.get(path.suffix.lower(), "text/plain")}
        if etag == validator:
            return Fetched(url=url, status=304, headers=headers)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from exc
        self.stats.bytes += len(content)
        return Fetched(url=url, status=200, headers=headers, content=content)
