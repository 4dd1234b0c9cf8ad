"""Clause-level diff between two versions of a document (pure: values in, values out).

Clauses are paired before they are compared, so renumbering does not read as a rewrite:
records unchanged at their path are set aside first (a keyed comparison by deepdiff),
then clauses with identical text are paired (same path preferred), then the most similar
remaining texts. A pair whose texts differ is `modified` only when they are similar
enough; otherwise the old clause is `removed` and the new one `added`. A pair with equal
text and a new path is `moved`. Text is compared after NFKC and with whitespace removed,
so spacing and full-/half-width punctuation (，vs ,) are not changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from deepdiff import DeepDiff
from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

from tracker.core.figures import figure_changes
from tracker.core.model import Clause, ClauseChange, ClauseDiff, FieldChange, InlineOp, PolicyDocument

# Below this similarity a changed clause is reported as one removed plus one added.
SIMILARITY_THRESHOLD = 0.5

_WHITESPACE_RE = re.compile(r"\s+")
# Numbering written into a heading or text (（四）, 四、, 4., 第四条) moves with renumbering.
_LEADING_NUMBER_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十百零\d]+\s*[)）]|[一二三四五六七八九十百零]+、|\d+\s*[.．、]"
    r"|第[一二三四五六七八九十百零\d]+[条章节款])\s*"
)
_OPS = {
    diff_match_patch.DIFF_EQUAL: "equal",
    diff_match_patch.DIFF_INSERT: "insert",
    diff_match_patch.DIFF_DELETE: "delete",
}


# Full-width ASCII (，：１) is folded by a regex first: full NFKC is slow on CJK text and is
# then only needed for the rarer compatibility characters.
_FULL_WIDTH_RE = re.compile("[\uff01-\uff5e]")


def _half_width(match: re.Match[str]) -> str:
    return chr(ord(match.group()) - 0xFEE0)


def comparable(text: str | None) -> str:
    """The form two texts are compared in: NFKC, no whitespace."""
    value = _FULL_WIDTH_RE.sub(_half_width, _WHITESPACE_RE.sub("", text or ""))
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return value


def diff_documents(
    old: PolicyDocument | None,
    new: PolicyDocument,
    *,
    from_version: int | None = None,
    to_version: int | None = None,
) -> ClauseDiff:
    """What changed from `old` to `new`; with no `old` every clause is `added`."""
    if old is None:
        return ClauseDiff(from_version, to_version, {}, diff_clauses([], new.clauses))
    return ClauseDiff(
        from_version,
        to_version,
        diff_metadata(old.metadata(), new.metadata()),
        diff_clauses(old.clauses, new.clauses),
    )


def diff_metadata(old: dict[str, Any], new: dict[str, Any]) -> dict[str, FieldChange]:
    """Fields whose comparable values differ, with the values as written."""
    changed = _changed_keys(_comparable_values(old), _comparable_values(new))
    return {key: FieldChange(old.get(key), new.get(key)) for key in old | new if key in changed}


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """Keys added, removed or changed. Always per key: by default deepdiff reports a dict
    that shares few keys as one whole-value change, which would hide every key in it."""
    return set(DeepDiff(old, new, threshold_to_diff_deeper=0).affected_root_keys)


def _comparable_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: comparable(value) if isinstance(value, str) else value for key, value in values.items()}


def inline_diff(old_text: str, new_text: str) -> tuple[InlineOp, ...]:
    """Character-level runs, cleaned up to read as phrases; a number changes as a whole.

    Each Chinese character is its own unit, while a run of digits (or Latin letters) is one
    unit, so 500 → 300 reads as `500`→`300` rather than `5`→`3` around a shared `00`.
    """
    codes: dict[str, str] = {}
    tokens: list[str] = []
    old_encoded = _encode(old_text, codes, tokens)
    new_encoded = _encode(new_text, codes, tokens)
    engine = diff_match_patch()
    engine.Diff_Timeout = 0.5
    runs = engine.diff_main(old_encoded, new_encoded, False)
    engine.diff_cleanupSemantic(runs)
    return tuple(InlineOp(_OPS[op], "".join(tokens[ord(c) - _CODE_BASE] for c in text)) for op, text in runs)


_CODE_BASE = 0xF0000  # Supplementary Private Use Area: code points no policy text contains
_UNIT_RE = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+|\s+|.", re.DOTALL)


def _encode(text: str, codes: dict[str, str], tokens: list[str]) -> str:
    encoded: list[str] = []
    for unit in _UNIT_RE.findall(text):
        code = codes.get(unit)
        if code is None:
            code = codes[unit] = chr(_CODE_BASE + len(tokens))
            tokens.append(unit)
        encoded.append(code)
    return "".join(encoded)


def similarity(old_text: str, new_text: str) -> float:
    """0..1 share of characters two comparable texts have in common, in order (Indel ratio)."""
    return fuzz.ratio(old_text, new_text) / 100


def diff_clauses(old: Sequence[Clause], new: Sequence[Clause]) -> list[ClauseChange]:
    """Changes in the new document's reading order; removed clauses sit where they used to be."""
    old_keys = [_clause_key(c) for c in old]
    new_keys = [_clause_key(c) for c in new]
    pairs = _unchanged_in_place(old, new, old_keys, new_keys)
    _pair_identical(old, new, old_keys, new_keys, pairs)
    _pair_similar(old, new, old_keys, new_keys, pairs)

    changes: list[tuple[tuple[int, int, int], ClauseChange]] = []
    paired_new = {n for n in pairs.values()}
    for o, n in pairs.items():
        change = _paired_change(old[o], new[n], old_keys[o] == new_keys[n])
        if change:
            changes.append(((n, 0, 0), change))
    for n, clause in enumerate(new):
        if n not in paired_new:
            changes.append(((n, 0, 0), _added(clause)))
    for o, clause in enumerate(old):
        if o not in pairs:
            before = [pairs[p] for p in range(o) if p in pairs]
            changes.append(((max(before, default=-1), 1, o), _removed(clause)))
    return [change for _key, change in sorted(changes, key=lambda item: item[0])]


def _clause_key(clause: Clause) -> str:
    """What pairing compares: heading and text without their own numbering, comparable form."""
    heading = _LEADING_NUMBER_RE.sub("", clause.heading or "")
    return comparable(heading + "\n" + _LEADING_NUMBER_RE.sub("", clause.text))


def _records(clauses: Sequence[Clause], keys: list[str]) -> dict[str, str]:
    """Clause texts keyed by path; a repeated path gets `#n` so no record hides another."""
    records: dict[str, str] = {}
    for clause, key in zip(clauses, keys):
        path = clause.path
        suffix = 2
        while path in records:
            path = f"{clause.path}#{suffix}"
            suffix += 1
        records[path] = key
    return records


def _unchanged_in_place(
    old: Sequence[Clause], new: Sequence[Clause], old_keys: list[str], new_keys: list[str]
) -> dict[int, int]:
    old_records = _records(old, old_keys)
    new_records = _records(new, new_keys)
    changed = _changed_keys(old_records, new_records)
    old_index = {path: i for i, path in enumerate(old_records)}
    new_index = {path: i for i, path in enumerate(new_records)}
    return {old_index[p]: new_index[p] for p in old_records if p in new_records and p not in changed}


def _pair_identical(
    old: Sequence[Clause], new: Sequence[Clause], old_keys: list[str], new_keys: list[str], pairs: dict[int, int]
) -> None:
    taken = set(pairs.values())
    free_new: dict[str, list[int]] = {}
    for n, key in enumerate(new_keys):
        if n not in taken:
            free_new.setdefault(key, []).append(n)
    for o, key in enumerate(old_keys):
        candidates = free_new.get(key)
        if o in pairs or not candidates:
            continue
        same_path = [n for n in candidates if new[n].path == old[o].path]
        chosen = same_path[0] if same_path else candidates[0]
        candidates.remove(chosen)
        pairs[o] = chosen


def _pair_similar(
    old: Sequence[Clause], new: Sequence[Clause], old_keys: list[str], new_keys: list[str], pairs: dict[int, int]
) -> None:
    free_old = [o for o in range(len(old)) if o not in pairs]
    taken = set(pairs.values())
    free_new = [n for n in range(len(new)) if n not in taken]
    candidates: list[tuple[float, bool, int, int, int]] = []
    cutoff = SIMILARITY_THRESHOLD * 100
    for o in free_old:
        for n in free_new:
            score = fuzz.ratio(old_keys[o], new_keys[n], score_cutoff=cutoff) / 100
            if score >= SIMILARITY_THRESHOLD:
                candidates.append((-score, old[o].path != new[n].path, abs(o - n), o, n))
    used_new: set[int] = set()
    for _score, _moved, _distance, o, n in sorted(candidates):
        if o not in pairs and n not in used_new:
            pairs[o] = n
            used_new.add(n)


def _paired_change(old: Clause, new: Clause, same_text: bool) -> ClauseChange | None:
    if same_text:
        if old.path == new.path:
            return None
        return ClauseChange("moved", old.path, new.path, old.text, new.text, heading=new.heading)
    return ClauseChange(
        "modified",
        old.path,
        new.path,
        old.text,
        new.text,
        inline=inline_diff(old.text, new.text),
        figures=figure_changes(old.text, new.text),
        heading=new.heading,
    )


def _added(clause: Clause) -> ClauseChange:
    return ClauseChange(
        "added", None, clause.path, None, clause.text, inline=(InlineOp("insert", clause.text),), heading=clause.heading
    )


def _removed(clause: Clause) -> ClauseChange:
    return ClauseChange(
        "removed",
        clause.path,
        None,
        clause.text,
        None,
        inline=(InlineOp("delete", clause.text),),
        heading=clause.heading,
    )
