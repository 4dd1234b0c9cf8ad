"""Figures inside clause text: money, percentages, dates and durations.

A modified clause is mostly read for its numbers (a cap cut from 500 万元 to 300 万元, a
period extended to 2029 年), so the diff reports them separately. Figures are returned
without inner spaces (`500 万元` → `500万元`) so different spacing is not a change.
"""

from __future__ import annotations

import re
from collections import Counter

from tracker.core.model import FigureChange

_NUM = r"\d+(?:[.,]\d+)*"
_CN_NUM = r"[零〇一二两三四五六七八九十百千]+"
_DAY_OR_MONTH = rf"(?:{_CN_NUM}|\d{{1,2}})"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(rf"(?:\d{{4}}|[〇零一二三四五六七八九]{{4}})\s*年\s*{_DAY_OR_MONTH}\s*月(?:\s*{_DAY_OR_MONTH}\s*日)?")),
    ("date", re.compile(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}")),
    ("money", re.compile(rf"(?:{_NUM}|{_CN_NUM})\s*(?:万亿|亿|千万|百万|万|千)?\s*(?:美元|港元|元)")),
    ("percent", re.compile(rf"(?:{_NUM}\s*[%％]|百分之{_CN_NUM}(?:点{_CN_NUM})?)")),
    ("date", re.compile(r"(?:(?<!\d)\d{4}|[〇零一二三四五六七八九]{4})\s*年(?!\s*(?:\d|以))")),
    ("duration", re.compile(rf"(?<![\d年])(?:\d{{1,3}}|{_CN_NUM})\s*(?:个)?(?:年|月|周|日|天|个工作日|小时)(?![\d内])")),
)
_SPACES_RE = re.compile(r"\s+")


def extract_figures(text: str) -> list[tuple[str, str]]:
    """(kind, figure) pairs in reading order; a span claimed by one kind is not re-read as another."""
    claimed: list[tuple[int, int]] = []
    found: list[tuple[int, str, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < c_end and c_start < end for c_start, c_end in claimed):
                continue
            claimed.append((start, end))
            found.append((start, kind, _SPACES_RE.sub("", match.group())))
    return [(kind, value) for _start, kind, value in sorted(found)]


def figure_changes(old_text: str, new_text: str) -> tuple[FigureChange, ...]:
    """Figures present in one text and not the other, paired in reading order within each kind."""
    old = extract_figures(old_text)
    new = extract_figures(new_text)
    gone = Counter(old) - Counter(new)
    came = Counter(new) - Counter(old)
    changes: list[FigureChange] = []
    kinds = dict.fromkeys(kind for kind, _ in old + new)
    for kind in kinds:
        old_values = _take(old, gone, kind)
        new_values = _take(new, came, kind)
        for index in range(max(len(old_values), len(new_values))):
            changes.append(
                FigureChange(
                    kind=kind,
                    old=old_values[index] if index < len(old_values) else None,
                    new=new_values[index] if index < len(new_values) else None,
                )
            )
    return tuple(changes)


def _take(figures: list[tuple[str, str]], surplus: Counter[tuple[str, str]], kind: str) -> list[str]:
    """The figures of `kind` in reading order, only as many of each as `surplus` says."""
    left = Counter(surplus)
    values: list[str] = []
    for figure in figures:
        if figure[0] == kind and left[figure] > 0:
            left[figure] -= 1
            values.append(figure[1])
    return values
