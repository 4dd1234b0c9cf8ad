"""Full-text search over the current version's titles and clauses, on SQLite and PostgreSQL.

Chinese has no spaces, so words cannot be tokenised reliably; instead every text is stored
by its character bigrams (`tracker.core.grams.grams_of`, letters and digits only, punctuation
dropped) and a query is the phrase of its own bigrams. That finds any term of two
characters or more through the index — 脑机, 算力券, 首台（套） — on both databases:
SQLite's FTS5 table `search_fts` ranks with bm25, PostgreSQL's GIN index on the stored
`grams_tsv` column ranks with ts_rank.

search_entry is only written here (`index_documents`): on SQLite `storage.search_fts` keeps
the contentless FTS5 table in step, which triggers did before migration 0007 at nearly twice
the cost per saved document. Since migration 0011 neither index copies the text: the grams
live only in the index, and a clause's entry reads its text from the clause row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from storage import search_fts
from storage.attach import insert_rows
from storage.tables import SearchEntry
from tracker.core.errors import SearchQueryError
from tracker.core.grams import bigrams, folded, grams_of

SNIPPET_CONTEXT = 40


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


def entry_rows(
    document_id: int,
    title: str,
    clauses: Iterable[tuple[int | None, str, str]],
    grams: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The search_entry rows of one document: its title, then (clause_id, path, text) per clause.

    An entry of a stored clause keeps no copy of its text (the clause row has it); `grams`
    go to the index, not to the row.

    `grams` are the texts' `grams_of`, title first, when worked out beforehand (the crawler
    does it in its parser processes); otherwise they are computed here.
    """
    texts = [(None, None, title), *clauses]
    if grams is None:
        grams = [grams_of(text) for _, _, text in texts]
    elif len(grams) != len(texts):
        raise ValueError(f"{len(grams)} precomputed grams for {len(texts)} texts")
    return [
        {
            "document_id": document_id,
            "clause_id": clause_id,
            "path": path,
            "text": text if clause_id is None else "",
            "grams": text_grams,
        }
        for (clause_id, path, text), text_grams in zip(texts, grams)
    ]


# Prebuilt: building and cache-keying a statement per call costs more than running it.
_TABLE = SearchEntry.__table__  # type: ignore[attr-defined]  # Core: the ORM bulk path costs more than the rows
_DELETE_ENTRIES = sa.delete(_TABLE).where(_TABLE.c.document_id == sa.bindparam("document_id"))
# Multi-row driver SQL (`storage.attach.insert_rows`).
_INSERT_ENTRIES = "INSERT INTO search_entry (document_id, clause_id, path, text) VALUES"
# PostgreSQL: the tsvector is made from the grams the crawler worked out, which are not kept.
_INSERT_ENTRIES_POSTGRES = "INSERT INTO search_entry (document_id, clause_id, path, text, grams_tsv) VALUES"

SearchItem = tuple[int, str, Iterable[tuple[int | None, str, str]], bool]
"""(document_id, title, clauses as (clause_id, path, text), replace)."""


def index_document(
    session: Session,
    document_id: int,
    title: str,
    clauses: Iterable[tuple[int | None, str, str]],
    *,
    replace: bool = True,
    grams: Sequence[str] | None = None,
) -> None:
    """Make these the document's searchable texts (its current version).

    `replace=False` skips removing earlier entries, for a document never indexed before;
    `grams` are the texts' precomputed `grams_of` (see `entry_rows`).
    """
    index_documents(session, [(document_id, title, clauses, replace)], grams=[grams])


def index_documents(
    session: Session, items: Iterable[SearchItem], *, grams: Sequence[Sequence[str] | None] | None = None
) -> None:
    """`index_document` for each (document_id, title, clauses, replace), in a few statements.

    The result is the one of indexing the items one after the other, but a whole batch
    (a crawler's ~50 documents) costs one multi-row INSERT and one executemany per DELETE.
    On SQLite the FTS5 index is kept in step by `storage.search_fts`; on PostgreSQL each
    row's tsvector is written with it.
    """
    replaced, rows = _batch(items, grams)
    session.flush()
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if replaced:
        if sqlite:
            search_fts.forget_documents(session, replaced)
        connection.execute(_DELETE_ENTRIES, [{"document_id": document_id} for document_id in replaced])
    if not rows:
        return
    values = [(row["document_id"], row["clause_id"], row["path"], row["text"]) for row in rows]
    if sqlite:
        # One INSERT gives its rows ascending rowids in the order given, whatever order
        # RETURNING reports them in.
        inserted = insert_rows(connection, _INSERT_ENTRIES, "(?, ?, ?, ?)", values, " RETURNING id")
        search_fts.remember(session, sorted(row_id for row_id, in inserted), (row["grams"] for row in rows))
    else:
        with_grams = [(*entry, row["grams"]) for entry, row in zip(values, rows)]
        insert_rows(connection, _INSERT_ENTRIES_POSTGRES, "(?, ?, ?, ?, to_tsvector('simple', ?))", with_grams)


def _batch(
    items: Iterable[SearchItem], grams: Sequence[Sequence[str] | None] | None
) -> tuple[list[int], list[dict[str, Any]]]:
    """The documents whose stored entries go, and the rows to insert, in item order.

    A replacing item also supersedes the rows of its document listed earlier in the batch,
    as it would have deleted them had the items been indexed one by one.
    """
    replaced: dict[int, None] = {}  # an ordered set
    entries: list[tuple[int, list[dict[str, Any]]]] = []
    seen: set[int] = set()
    for index, (document_id, title, clauses, replace) in enumerate(items):
        if replace:
            replaced[document_id] = None
            if document_id in seen:
                entries = [entry for entry in entries if entry[0] != document_id]
        seen.add(document_id)
        entries.append((document_id, entry_rows(document_id, title, clauses, grams[index] if grams else None)))
    return list(replaced), [row for _, rows in entries for row in rows]


def search(session: Session, text: str, *, status: str | None = None, limit: int = 20) -> list[SearchHit]:
    """Best matches first; each hit is one title or clause of a current version."""
    grams = bigrams(text)
    if len(folded(text)) < 2:
        raise SearchQueryError(f"search term {text!r} needs at least two letters or digits")
    columns = "e.document_id, e.path, c.text AS clause_text, e.text AS entry_text, d.title, d.doc_number, d.status"
    params: dict[str, Any] = {"limit": limit}
    status_filter = ""
    if status is not None:
        status_filter = " AND d.status = :status"
        params["status"] = status
    if session.get_bind().dialect.name == "postgresql":
        params["query"] = " <-> ".join(grams)
        sql = (
            f"SELECT {columns}, ts_rank(e.grams_tsv, q) AS rank "
            "FROM search_entry e JOIN document d ON d.id = e.document_id LEFT JOIN clause c ON c.id = e.clause_id, "
            "to_tsquery('simple', :query) q "
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
            "LEFT JOIN clause c ON c.id = e.clause_id "
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
            **_snippet(search_fts.entry_text(row.clause_text, row.entry_text), text),
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
