"""Finding a page's body: known CMS selectors, else text density; then dropping what is not the
document (hidden elements, share and QR widgets, navigation by id and class).

The selectors are those of the CMSs government sites run (gov.cn `#UCAP-CONTENT` /
`td.b12c`, TRS `.TRS_UEDITOR` / `.trs_editor_view`, Hanweb `#zoom`, …); when none matches,
the body is the element whose paragraphs carry the most non-link text. lxml is used
directly (not through BeautifulSoup): it is an order of magnitude faster on large pages.
"""

from __future__ import annotations

import functools
import re

from lxml import etree

from tracker.core.parse.blocks import DROP_TAGS, clean_space

_MIN_BODY_CHARS = 30

_SIMPLE_SELECTOR_RE = re.compile(r"^(?P<tag>[a-z0-9]*)(?:#(?P<id>[\w-]+)|\.(?P<cls>[\w-]+))$", re.I)

_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# GB/T 9704 sets level-1 headings in 黑体 and level-2 headings in 楷体: on pages converted
# from the official layout those fonts mark a lead heading just as bold does.
_BOLD_STYLE_RE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)|font-family\s*:[^;\"]*(?:楷体|黑体|kaiti|simhei)", re.I)

_NOISE_ATTR_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|breadcrumb|crumbs?|share|bdshare|fenxiang|qr|qrcode|ewm|erweima|sidebar|"
    r"copyright|toolbar|print|related|comments?|banner|pager|pagination|search|login|xglj|xgwj|relevant)(?:$|[\s_-])",
    re.I,
)

_BODY_SELECTORS = (
    "#UCAP-CONTENT", "td.b12c", "div.TRS_UEDITOR", ".trs_editor_view", ".TRS_Editor", "#zoom", "#Zoom",
    ".article-content", ".article_content", ".pages_content", ".news_content", "#ivs_content", ".zw-content",
    "#zwContent", ".gz_content", ".xxgk_content", ".detail-content", ".content-text", ".main-txt", "#mainText",
    "#zoomcon", ".news_cont_d_wrap", ".article_con", "#content_text", ".xl-content", ".view-content", "#js_content",
)  # fmt: skip



def _parse_selector(selector: str) -> tuple[str | None, str | None, str | None]:
    """`tag#id` / `tag.class` / `#id` / `.class` → (tag, id, class)."""
    match = _SIMPLE_SELECTOR_RE.match(selector)
    if not match:
        raise ValueError(f"unsupported selector {selector!r}")
    return match.group("tag") or None, match.group("id"), match.group("cls")


_BODY_RULES = tuple(_parse_selector(s) for s in _BODY_SELECTORS)
_BODY_IDS = {rule[1] for rule in _BODY_RULES if rule[1]}
_BODY_CLASSES = {rule[2] for rule in _BODY_RULES if rule[2]}


def tag_name(el: etree._Element) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def text_of(el: etree._Element) -> str:
    """The element's text content, as `"".join(el.itertext())` gives it, serialised by libxml2
    in one call: several times faster than iterating the subtree in Python."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def has_text(el: etree._Element, chars: int) -> bool:
    """`text_length(el) >= chars`, reading no more of the text than it takes: a body candidate
    holds the whole page, and serialising all of it costs far more than its first text nodes."""
    pieces = []
    length, check_at = 0, 2 * chars
    for piece in el.itertext():  # the pieces `text_of` joins
        pieces.append(piece)
        length += len(piece)
        if length >= check_at:  # mostly spaces so far: look again at twice the length
            if len(clean_space("".join(pieces))) >= chars:
                return True  # a start of the text cleans to a start of the cleaned text
            check_at = 2 * length
    return len(clean_space("".join(pieces))) >= chars


def drop_element(el: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def text_length(el: etree._Element) -> int:
    return len(clean_space(text_of(el)))


def _by_density(root: etree._Element) -> etree._Element:
    """The container whose paragraphs hold the most text that is not links (readability-style)."""
    scores: dict[etree._Element, float] = {}
    for el in root.iter("p", "td", "li", "pre", "div", "span", "font"):
        own = (el.text or "") + "".join(child.tail or "" for child in el)
        length = len(clean_space(own))
        if length < 15:
            continue
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + length
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0) + length / 2
    if not scores:
        return root
    best, best_score = root, 0.0
    for el, score in sorted(scores.items(), key=lambda kv: -kv[1])[:10]:
        total = text_length(el) or 1
        links = sum(len(clean_space(text_of(a))) for a in el.iter("a"))
        adjusted = score * (1 - links / total)
        if adjusted > best_score:
            best, best_score = el, adjusted
    return best


def find_body(root: etree._Element) -> etree._Element:
    """The first known selector (in priority order) that holds text; else the densest element."""
    candidates: list[etree._Element] = []
    for el in root.iter():
        el_id, el_class = el.get("id"), el.get("class")
        if (el_id and el_id in _BODY_IDS) or (el_class and not _BODY_CLASSES.isdisjoint(el_class.split())):
            candidates.append(el)
    for tag, el_id, el_class in _BODY_RULES:
        matching = [
            el
            for el in candidates
            if (tag is None or el.tag == tag)
            and (el_id is None or el.get("id") == el_id)
            and (el_class is None or el_class in (el.get("class") or "").split())
        ]
        if len(matching) == 1:  # the usual case: only whether it holds text matters, not how much
            if has_text(matching[0], _MIN_BODY_CHARS):
                return matching[0]
            continue
        sized = [(el, text_length(el)) for el in matching]
        matches = [(el, length) for el, length in sized if length >= _MIN_BODY_CHARS]
        if matches:
            return max(matches, key=lambda match: match[1])[0]
    return _by_density(root)


@functools.lru_cache(maxsize=1024)
def _hides(style: str) -> bool:
    """Cached: pages converted from Word repeat a hundred style strings over thousands of elements."""
    return bool(_HIDDEN_STYLE_RE.search(style))


@functools.lru_cache(maxsize=1024)
def emboldens(style: str) -> bool:
    return bool(_BOLD_STYLE_RE.search(style))


@functools.lru_cache(maxsize=1024)
def _names_noise(id_and_class: str) -> bool:
    return bool(_NOISE_ATTR_RE.search(id_and_class))


def drop_noise(body: etree._Element) -> None:
    doomed = []
    for el in body.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            if isinstance(el, etree._Comment):
                doomed.append(el)
            continue
        if tag in DROP_TAGS:
            doomed.append(el)
            continue
        style = el.get("style")
        if style and _hides(style):
            doomed.append(el)
            continue
        el_id, el_class = el.get("id"), el.get("class")
        if (el_id or el_class) and _names_noise(f"{el_id or ''} {el_class or ''}"):
            doomed.append(el)
    for el in doomed:
        drop_element(el)
