"""Fast generation of a realistic store for the storage and search benchmarks.

Rows are written with executemany in large batches (not through save_version): the point
is to measure reads at scale, and a 10,000-document store must be ready in seconds. Clause
texts are sentences of the real seed documents recombined, so terms keep real frequencies.
The search index alone is written through `storage.search.index_documents`, a crawler's
batch of documents per transaction: that keeps SQLite's FTS5 table in step with
search_entry and leaves its segments as merged as a crawled store's, which search speed
depends on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from storage.search import SearchItem, index_documents
from storage.tables import Clause, Document, Version
from tracker.core.parse import parse_document

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
SEEDS = FIXTURES / "seeds"
GOVCN = FIXTURES / "govcn"
BATCH = 5000
SEARCH_BATCH = 50  # documents per transaction, as the crawler indexes them
ISSUERS = ["杭州市人民政府办公厅", "浙江省人民政府", "上海市闵行区人民政府", "国务院办公厅", "杭州市经济和信息化局"]
CODES = ["杭政办函", "杭政", "浙政办发", "闵府发", "国办发", "杭经信"]


def seed_sentences() -> list[str]:
    """Sentences of the 13 real documents in shared/fixtures (3 seeds, 10 State Council pages).

    The seeds are all about brain-computer interfaces and future industries; the State Council
    pages (parsed with the project's parser) bring the spread of topics a real store has.
    """
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for page in sorted(GOVCN.glob("*.html")):
        for document in parse_document(page.read_bytes(), url=page.name, content_type="text/html"):
            texts.append(document.text)
    return [s.strip() + "。" for s in re.split(r"[。\n]", "\n".join(texts)) if len(s.strip()) >= 12]


def doc_number(index: int) -> str:
    return f"{CODES[index % len(CODES)]}〔{2015 + index % 11}〕{index // len(CODES) + 1}号"


def populate(engine: sa.Engine, documents: int, versions: int = 3, clauses: int = 8, seed: int = 1) -> None:
    """`documents` documents with `versions` versions of `clauses` clauses each; the latest is searchable."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    doc_rows, version_rows, clause_rows = [], [], []
    search_items: list[SearchItem] = []
    version_id = clause_id = 0
    for d in range(1, documents + 1):
        number = doc_number(d)
        title = f"关于{rng.choice(sentences)[:16]}的若干措施（第{d}号）"
        doc_rows.append(
            {
                "id": d,
                "url": f"https://example.gov.cn/art/{d}.html",
                "title": title,
                "doc_number": number,
                "doc_number_norm": number,
                "issuer": ISSUERS[d % len(ISSUERS)],
                "issued_on": dt.date(2015 + d % 11, 1 + d % 12, 1 + d % 28),
                "expires_on": dt.date(2026 + d % 5, 12, 31),
                "is_placeholder": False,
                "status": rng.choice(["in_force", "expired", "repealed", "expiring"]),
                "amended": False,
                "first_seen": now,
                "last_seen": now,
                "missing_runs": 0,
            }
        )
        texts = [" ".join(rng.sample(sentences, 2)) for _ in range(clauses)]
        for v in range(1, versions + 1):
            version_id += 1
            if v > 1:
                texts[rng.randrange(clauses)] = " ".join(rng.sample(sentences, 2))
            version_rows.append(
                {
                    "id": version_id,
                    "document_id": d,
                    "number": v,
                    "fetched_at": now + dt.timedelta(days=30 * v),
                    "content_hash": hashlib.sha256(f"{d}:{v}".encode()).hexdigest(),
                    "doc_metadata": {"title": title, "doc_number": number, "repeals": [], "cites": []},
                    "change_summary": "first version" if v == 1 else "1 modified",
                }
            )
            current = []
            for ordinal, text in enumerate(texts):
                clause_id += 1
                path = f"{ordinal // 4 + 1}/（{ordinal % 4 + 1}）"
                clause_rows.append(
                    {
                        "id": clause_id,
                        "version_id": version_id,
                        "ordinal": ordinal,
                        "path": path,
                        "text": text,
                        "text_hash": hashlib.sha1(text.encode()).hexdigest(),
                    }
                )
                current.append((clause_id, path, text))
            if v == versions:
                search_items.append((d, f"{title} {number}", current, False))
    with engine.begin() as connection:
        for table, rows in ((Document, doc_rows), (Version, version_rows), (Clause, clause_rows)):
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(table), rows[start : start + BATCH])
        if engine.dialect.name == "postgresql":
            for table in ("document", "version", "clause"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    with Session(engine) as session:
        for start in range(0, len(search_items), SEARCH_BATCH):
            index_documents(session, search_items[start : start + SEARCH_BATCH])
            session.commit()
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


PG_ADMIN = "postgresql+psycopg://root@127.0.0.1:5432/test"


def on_both_databases(measure: Callable[[str, str], None]) -> None:
    """Run `measure(url, label)` on a fresh SQLite file, then on a scratch PostgreSQL database."""
    with tempfile.TemporaryDirectory() as directory:
        measure(f"sqlite:///{directory}/bench.db", "sqlite")
    name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
    try:
        measure(scratch_postgres_url(PG_ADMIN, name), "postgresql")
    finally:
        drop_postgres(PG_ADMIN, name)


def scratch_postgres_url(admin_url: str, name: str) -> str:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
