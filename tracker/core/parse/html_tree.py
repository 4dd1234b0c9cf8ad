"""Text → an lxml tree that can be walked, whatever the page: XML declarations, nesting deeper than
libxml2 allows (flattened first), and the bold a start tag's style gives.
"""

from __future__ import annotations

import re

from lxml import etree

from tracker.core.errors import ParseError
from tracker.core.parse.blocks import BLOCK_TAGS
from tracker.core.parse.html_blocks import BOLD_TAGS
from tracker.core.parse.html_body import emboldens

_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Depths at which `_flatten_deep` stops nesting, tried in turn: far below libxml2's 2,048 levels,
#: so that its rough model of libxml2's tree building cannot reach the limit.
_FLATTEN_DEPTHS = (256, 16)
_TAG_TOKEN_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)[^>]*>", re.S)
#: Elements whose content is text up to their end tag, never markup.
_RAW_TEXT_TAGS = frozenset(("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"))
_VOID_TAGS = frozenset(("area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
                        "link", "meta", "param", "source", "track", "wbr"))  # fmt: skip
#: libxml2's `htmlEndPriority`: an end tag never closes an element of higher priority to reach its own
#: (`</span>` inside an open `<div>` is ignored); 100 for all other elements.
_END_PRIORITY = {"div": 150, "td": 160, "th": 160, "tr": 170, "thead": 180, "tbody": 180, "tfoot": 180,
                 "table": 190, "head": 200, "body": 200, "html": 220}  # fmt: skip
_STYLE_ATTR_RE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))""", re.I)

def _html_parser() -> etree.HTMLParser:
    """A parser of its own for each page, so that its error log is that page's.

    `huge_tree` raises libxml2's depth limit from 256 to 2,048 levels. No element is ever looked
    up by its id through libxml2, so the table of ids is not built (`collect_ids`)."""
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True, collect_ids=False)


def _hit_depth_limit(parser: etree.HTMLParser) -> bool:
    """libxml2 stops building the tree at its depth limit, dropping all the text after it, and
    says so only in the parser's error log (a fatal resource-limit error)."""
    return any(error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in parser.error_log)


def parse_html(html: str) -> etree._Element | None:
    """The page's tree with all its text, however deep the markup nests.

    Word-exported pages leave hundreds of `<span>`/`<font>`/`<div>` unclosed; past libxml2's
    limit the rest of the page would silently vanish. Such a page is parsed again with the
    elements below a safe depth flattened (see `_flatten_deep`); the check is libxml2's own
    report, so ordinary pages pay nothing for it."""
    html = _XML_DECLARATION_RE.sub("", html, count=1)
    try:
        parser = _html_parser()
        root = etree.fromstring(html, parser)
        for depth in _FLATTEN_DEPTHS:
            if not _hit_depth_limit(parser):
                return root
            parser = _html_parser()
            root = etree.fromstring(_flatten_deep(html, depth), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"HTML could not be parsed: {exc}") from exc
    if _hit_depth_limit(parser):
        raise ParseError("HTML nests too deeply to be parsed without losing text")
    return root


def _flatten_deep(html: str, depth: int) -> str:
    """`html` with every element that would open below `depth` levels replaced by what it shows:
    a line break for a block element, nothing for an inline one, its text kept in place.

    Nesting is followed as libxml2 builds it from unclosed tags (an end tag closes the nearest open
    element of its name, unless an element of higher end priority lies between; raw-text elements
    are copied whole); libxml2's implied end tags are not modelled, which only makes the depth
    seen here larger. Bold markup among the flattened elements becomes one flat `<b>` per bold
    stretch, so bold lead headings are still found."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, bold) of each open element; those from `depth` on are flattened
    bold_open = 0  # flattened bold elements now open
    position = 0
    while match := _TAG_TOKEN_RE.search(html, position):
        out.append(html[position : match.start()])
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name:  # a comment
            out.append(match.group())
        elif match.group(1):  # an end tag
            found = _open_index(stack, name)
            if found is None:  # libxml2 ignores it too
                out.append(match.group())
                continue
            for tag, bold in reversed(stack[max(found, depth) :]):  # flattened elements it closes
                bold_open -= bold
                if bold and not bold_open:
                    out.append("</b>")
                if tag in BLOCK_TAGS:
                    out.append("<br>")
            if found < depth:
                out.append(match.group())
            del stack[found:]
        elif name in _VOID_TAGS:
            out.append(match.group())
        elif name in _RAW_TEXT_TAGS:
            end = re.compile(rf"</{name}\s*>", re.I).search(html, position)
            position = end.end() if end else len(html)
            out.append(match.group() + html[match.end() : position])
        elif len(stack) < depth:
            stack.append((name, False))
            out.append(match.group())
        else:
            bold = name in BOLD_TAGS or _tag_emboldens(match.group())
            stack.append((name, bold))
            bold_open += bold
            if bold and bold_open == 1:
                out.append("<b>")
            if name in BLOCK_TAGS:
                out.append("<br>")
    out.append(html[position:])
    return "".join(out)


def _open_index(stack: list[tuple[str, bool]], name: str) -> int | None:
    """Where the element an end tag `name` closes sits in `stack`; None when libxml2 ignores the tag."""
    priority = _END_PRIORITY.get(name, 100)
    for index in range(len(stack) - 1, -1, -1):
        tag = stack[index][0]
        if tag == name:
            return index
        if _END_PRIORITY.get(tag, 100) > priority:
            return None
    return None


def _tag_emboldens(start_tag: str) -> bool:
    """A start tag's `style` makes its text bold (as `_is_bold` reads it from the tree)."""
    match = _STYLE_ATTR_RE.search(start_tag)
    return bool(match) and emboldens(next(value for value in match.groups() if value is not None))
