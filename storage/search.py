"""Full-text search over the current version's titles and clauses, on SQLite and PostgreSQL.

Chinese has no spaces, so words cannot be tokenised reliably; instead every text is stored
with its character bigrams (`SearchEntry.grams`, letters and digits only, punctuation
dropped) and a query is the phrase of its own bigrams. That finds any term of two
characters or more through the index — 脑机, 算力券, 首台（套） — on both databases:
SQLite's FTS5 table `search_fts` ranks with bm25, PostgreSQL's GIN index on the stored
`grams_tsv` column ranks with ts_rank.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from storage.tables import SearchEntry

SNIPPET_CONTEXT = 40


class SearchQueryError(ValueError):
    """The query cannot be searched (fewer than two letters or digits)."""


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    title: str
    doc_number: str | None
    status: str
    path: str | None  # None when the title matched
    snippet: str
    highlight: tuple[int, int]  # the match inside `snippet`, as [start, end)
    rank: float

    def to_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "status": self.status,
            "path": self.path,
            "snippet": self.snippet,
            "highlight": list(self.highlight),
            "rank": self.rank,
        }


def _searchable(text: str) -> list[tuple[str, int]]:
    """(character, position in `text`) for the letters and digits, NFKC-folded and lower-cased."""
    kept: list[tuple[str, int]] = []
    for position, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        for piece in folded:
            if unicodedata.category(piece)[0] in "LN":
                kept.append((piece, position))
    return kept


_NOT_LETTER_OR_DIGIT_RE = re.compile(r"[\W_]+")


def _folded(text: str) -> str:
    """Letters and digits only, NFKC-folded and lower-cased.

    Punctuation goes first, so the (slow) NFKC pass is only paid by texts that still hold
    compatibility characters such as full-width digits.
    """
    value = _NOT_LETTER_OR_DIGIT_RE.sub("", text)
    if not unicodedata.is_normalized("NFKC", value):
        value = _NOT_LETTER_OR_DIGIT_RE.sub("", unicodedata.normalize("NFKC", value))
    return value.lower()


def bigrams(text: str) -> list[str]:
    """The overlapping two-character units of the text's letters and digits."""
    chars = _folded(text)
    if len(chars) == 1:
        return [chars]
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


def entry_rows(document_id: int, title: str, clauses: Iterable[tuple[int | None, str, str]]) -> list[dict[str, Any]]:
    """The search_entry rows of one document: its title, then (clause_id, path, text) per clause."""
    texts = [(None, None, title), *clauses]
    return [
        {"document_id": document_id, "clause_id": clause_id, "path": path, "text": text, "grams": " ".join(bigrams(text))}
        for clause_id, path, text in texts
    ]


def index_document(
    session: Session,
    document_id: int,
    title: str,
    clauses: Iterable[tuple[int | None, str, str]],
    *,
    replace: bool = True,
) -> None:
    """Make these the document's searchable texts (its current version).

    `replace=False` skips removing earlier entries, for a document never indexed before.
    """
    session.flush()
    table = SearchEntry.__table__  # Core statements: the ORM bulk path costs more than the rows
    connection = session.connection()
    if replace:
        connection.execute(sa.delete(table).where(table.c.document_id == document_id))  # type: ignore[attr-defined]
    connection.execute(sa.insert(table), entry_rows(document_id, title, clauses))


def search(session: Session, text: str, *, status: str | None = None, limit: int = 20) -> list[SearchHit]:
    """Best matches first; each hit is one title or clause of a current version."""
    grams = bigrams(text)
    if len(_folded(text)) < 2:
        raise SearchQueryError(f"search term {text!r} needs at least two letters or digits")
    columns = "e.document_id, e.path, e.text, d.title, d.doc_number, d.status"
    params: dict[str, Any] = {"limit": limit}
    status_filter = ""
    if status is not None:
        status_filter = " AND d.status = :status"
        params["status"] = status
    if session.get_bind().dialect.name == "postgresql":
        params["query"] = " <-> ".join(grams)
        sql = (
            f"SELECT {columns}, ts_rank(e.grams_tsv, q) AS rank "
            "FROM search_entry e JOIN document d ON d.id = e.document_id, to_tsquery('simple', :query) q "
            f"WHERE e.grams_tsv @@ q{status_filter} ORDER BY rank DESC, e.id LIMIT :limit"
        )
    else:
        params["query"] = '"' + " ".join(grams) + '"'
        # Ranking is the costly part for common terms, so without a filter the FTS table
        # alone picks the best rows and only those are joined.
        hits = (
            "SELECT rowid AS entry_id, -rank AS rank FROM search_fts WHERE search_fts MATCH :query "
            "ORDER BY rank LIMIT :limit"
            if status is None
            else "SELECT rowid AS entry_id, -rank AS rank FROM search_fts WHERE search_fts MATCH :query"
        )
        sql = (
            f"SELECT {columns}, hits.rank AS rank FROM ({hits}) hits "
            "JOIN search_entry e ON e.id = hits.entry_id JOIN document d ON d.id = e.document_id "
            f"WHERE 1 = 1{status_filter} ORDER BY rank DESC, e.id LIMIT :limit"
        )
    rows = session.execute(sa.text(sql), params).all()
    return [
        SearchHit(
            document_id=row.document_id,
            title=row.title,
            doc_number=row.doc_number,
            status=row.status,
            path=row.path,
            rank=float(row.rank),
            **_snippet(row.text, text),
        )
        for row in rows
    ]


def _snippet(text: str, query: str) -> dict[str, Any]:
    """A window of the text around the first match, with the match's offsets in it."""
    haystack = _searchable(text)
    needle = "".join(char for char, _ in _searchable(query))
    folded = "".join(char for char, _ in haystack)
    found = folded.find(needle)
    if found < 0:
        return {"snippet": text[: 2 * SNIPPET_CONTEXT], "highlight": (0, 0)}
    start = haystack[found][1]
    end = haystack[found + len(needle) - 1][1] + 1
    start, end = _with_edge_punctuation(text, query.strip(), start, end)
    window_start = max(0, start - SNIPPET_CONTEXT)
    window_end = min(len(text), end + SNIPPET_CONTEXT)
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    snippet = prefix + text[window_start:window_end] + suffix
    offset = len(prefix) - window_start
    return {"snippet": snippet, "highlight": (start + offset, end + offset)}


def _with_edge_punctuation(text: str, query: str, start: int, end: int) -> tuple[int, int]:
    """Widen the match over punctuation the query itself starts or ends with (首台（套）)."""
    leading = re.match(r"[\W_]+", query)
    trailing = re.search(r"[\W_]+$", query)
    if leading and _folded_equal(text[max(0, start - len(leading.group())) : start], leading.group()):
        start -= len(leading.group())
    if trailing and _folded_equal(text[end : end + len(trailing.group())], trailing.group()):
        end += len(trailing.group())
    return start, end


def _folded_equal(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b)
