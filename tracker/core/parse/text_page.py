"""Markdown and plain text → `Page`: front matter, headings, bold runs, tables and links read as
lines; and telling HTML from text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.core.parse.blocks import Block, Page, clean_space, is_debris

# ---- Markdown and plain text ----------------------------------------------------------

_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE_RE = re.compile(r"^(?:[-*_]\s*){3,}$")
_MD_BOLD_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: A tag has an ASCII name: `<中华人民共和国保险法>` in a law's header note is a title, not markup.
_HTML_TAG_RE = re.compile(r"</?[A-Za-z!][^<>\n]*>")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_URL_ONLY_RE = re.compile(r"^(?:<?https?://\S+>?\s*)+$", re.I)
_SOURCE_SECTION_RE = re.compile(r"^(?:原文链接|原文地址|来源链接|参考链接|相关链接|原文|来源|信息来源|参考资料|链接)[：:]?$")
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_QUOTE_LEAD_RE = re.compile(r"^>\s?")
_BULLET_LEAD_RE = re.compile(r"^[-*+]\s+(?!\d)")
_STRAY_BOLD_RE = re.compile(r"(?<!\*)\*\*(?!\*)")
_HTML_START_RE = re.compile(r"<(?:html|body|head|!doctype)\b")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    values = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t", "-")):
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values, text[match.end() :]


def _markdown_lines(text: str) -> Iterator[tuple[str, bool]]:
    """(line, is_heading) for every content line; source-link sections are skipped."""
    skipping_level = 0
    for raw in _HTML_COMMENT_RE.sub("", text).splitlines():
        line = raw.strip()
        if not line or _MD_RULE_RE.match(line) or _TABLE_RULE_RE.match(line):
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            level, line = len(heading.group(1)), heading.group(2)
            if skipping_level and level > skipping_level:
                continue
            skipping_level = level if _SOURCE_SECTION_RE.match(clean_space(line)) else 0
            if skipping_level:
                continue
        elif skipping_level:
            continue
        line = _QUOTE_LEAD_RE.sub("", line)
        line = _BULLET_LEAD_RE.sub("", line)
        if line.startswith("|") and line.endswith("|"):
            line = " ".join(cell.strip() for cell in line.strip("|").split("|"))
        yield line, bool(heading)


def text_page(text: str) -> Page:
    """Plain text or Markdown (optionally with YAML front matter): one block per line."""
    front, body = _front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = []
    for line, heading in _markdown_lines(body):
        line = _MD_LINK_RE.sub(r"\1", _HTML_TAG_RE.sub("", line))
        if _URL_ONLY_RE.match(line):
            continue
        bolds = tuple(clean_space(a or b) for a, b in _MD_BOLD_RE.findall(line) if clean_space(a or b))
        plain = clean_space(_MD_BOLD_RE.sub(lambda m: m.group(1) or m.group(2), line))
        plain = _STRAY_BOLD_RE.sub("", plain)
        if plain and not is_debris(plain):
            blocks.append(Block(plain, bolds, heading))
    meta = {"articletitle": clean_space(front["title"])} if front.get("title") else {}
    return Page(blocks, {}, meta, [])


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    """HTML (a page or a fragment) rather than plain text / Markdown that merely contains tags."""
    head = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    if content_type and "html" in content_type.lower() and not head.startswith("---"):
        return True
    if _HTML_START_RE.search(head):
        return True
    if not head.startswith("<") or head.startswith(("<http://", "<https://")):
        return False
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    return sum(line.startswith("<") for line in lines) * 2 >= len(lines)
