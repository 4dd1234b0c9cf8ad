"""Deeply nested markup (Word exports leave hundreds of tags unclosed): no depth may drop text.

libxml2 stops building a tree at 256 levels (2,048 with `huge_tree`) and silently drops the rest
of the page; the parser must keep every clause however deep it sits, and bold lead headings
must still be seen as bold.
"""

from __future__ import annotations

import inspect
import sys

import pytest

from tracker.core.parse import parse_document
from tracker.core.parse.html_page import html_page

NUMERALS = "一二三四五六七八九十"
TITLE = "关于深度嵌套页面测试的通知"


def _deep_page(levels: int, tags: tuple[str, ...], numbering: str) -> str:
    """`levels` unclosed tags (cycling through `tags`), the ten clauses spread over increasing depth,
    a closing line after the deepest level; each clause is an unclosed paragraph opening with a bold lead."""
    parts = [f'<html><head><title>{TITLE}</title></head><body><div id="zoom"><p>{TITLE}</p>']
    step = levels // 10
    for level in range(levels):
        parts.append(f'<{tags[level % len(tags)]} style="font-family:仿宋_GB2312">')
        if level % step == step - 1:
            n = level // step
            lead = f"{NUMERALS[n]}、" if numbering == "items" else f"第{NUMERALS[n]}条"
            parts.append(f'<p class="MsoNormal"><span style="font-weight:bold">{lead}</span>第{n + 1}项规定的正文，各单位应当认真执行。')
    parts.append("本通知自印发之日起施行。</div></body></html>")
    return "".join(parts)


def _leads(numbering: str) -> list[str]:
    return [f"{n}、" if numbering == "items" else f"第{n}条" for n in NUMERALS]


def _expected_clauses(numbering: str) -> list[tuple[str, str]]:
    """(path, text) of the ten clauses; the closing line belongs to the last."""
    paths = list(NUMERALS) if numbering == "items" else [f"第{n}条" for n in NUMERALS]
    texts = [f"第{n}项规定的正文，各单位应当认真执行。" for n in range(1, 11)]
    texts[-1] += "本通知自印发之日起施行。"
    return list(zip(paths, texts, strict=True))


@pytest.mark.parametrize("tags", [("span",), ("font",), ("div",), ("span", "font", "div")])
@pytest.mark.parametrize("numbering", ["items", "articles"])
def test_all_ten_clauses_survive_1000_levels(tags: tuple[str, ...], numbering: str) -> None:
    (doc,) = parse_document(_deep_page(1000, tags, numbering).encode(), content_type="text/html")
    assert doc.title == TITLE
    assert [(clause.path, clause.text) for clause in doc.clauses] == _expected_clauses(numbering)


@pytest.mark.parametrize("levels", [1000, 5000])
def test_bold_leads_stay_bold_at_any_depth(levels: int) -> None:
    """5,000 levels is past libxml2's own limit: the page is flattened below a safe depth."""
    page = html_page(_deep_page(levels, ("span", "font", "div"), "items"))
    assert [block.bolds for block in page.blocks if block.bolds] == [(lead,) for lead in _leads("items")]
    assert page.blocks[-1].text == "十、第10项规定的正文，各单位应当认真执行。本通知自印发之日起施行。"


@pytest.mark.parametrize("numbering", ["items", "articles"])
def test_all_ten_clauses_survive_past_libxml2_limit(numbering: str) -> None:
    (doc,) = parse_document(_deep_page(5000, ("span", "font", "div"), numbering).encode(), content_type="text/html")
    assert [(clause.path, clause.text) for clause in doc.clauses] == _expected_clauses(numbering)


def test_walking_a_deep_body_does_not_recurse_per_level() -> None:
    html = _deep_page(1000, ("span",), "items")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 100)  # far below the 1,000 levels
    try:
        page = html_page(html)
    finally:
        sys.setrecursionlimit(limit)
    assert len([block for block in page.blocks if block.bolds]) == 10
