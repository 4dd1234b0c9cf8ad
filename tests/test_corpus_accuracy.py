"""The parser measured against ../shared/corpus (163 real laws, regulations, reposts and county
pages with hand-checked truth), with the corpus's own scorer: no change may slip below the floors.

The files are parsed in this process (what `tracker parse FILE --json` prints, without starting
163 processes) and compared with `score.py`'s own functions, so the figures are those of
`python3 ../shared/corpus/score.py`.
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO
from tracker.core.errors import ParseError
from tracker.core.parse import parse_document

CORPUS = REPO.parent / "shared" / "corpus"
OVERALL_FLOOR = 0.95
FAMILY_FLOOR = 0.90


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first_document(path: Path) -> dict[str, object] | None:
    try:
        documents = parse_document(path.read_bytes(), content_type="text/html" if path.suffix in (".html", ".htm") else None)
    except ParseError:
        return None
    return json.loads(json.dumps(documents[0].to_json(), ensure_ascii=False)) if documents else {}


@pytest.fixture(scope="module")
def scores() -> tuple[dict[str, list[int]], list[int], list[str], list[str]]:
    score = _scorer()
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    failed: list[str] = []
    misses: list[str] = []
    for entry in truth:
        document = _first_document(CORPUS / "docs" / entry["file"])
        if document is None:
            failed.append(entry["file"])
        for field, want in entry["fields"].items():
            ok = document is not None and score.field_ok(field, document.get(field), want)
            for counter in (per_family[entry["family"]], total):
                counter[0] += ok
                counter[1] += 1
            if document is not None and not ok:
                misses.append(f"{entry['file']}:{field} got {document.get(field)!r} want {want!r}")
    return per_family, total, failed, misses


def test_no_corpus_file_fails_to_parse(scores: tuple[dict[str, list[int]], list[int], list[str], list[str]]) -> None:
    _, _, failed, _ = scores
    assert failed == []


def test_at_least_95_percent_of_fields_exact_overall(scores: tuple[dict[str, list[int]], list[int], list[str], list[str]]) -> None:
    _, (right, counted), _, misses = scores
    assert right / counted >= OVERALL_FLOOR, "\n".join(misses)


def test_every_family_at_least_90_percent(scores: tuple[dict[str, list[int]], list[int], list[str], list[str]]) -> None:
    per_family, _, _, misses = scores
    low = {family: f"{right}/{counted}" for family, (right, counted) in per_family.items() if right / counted < FAMILY_FLOOR}
    assert low == {}, "\n".join(misses)
