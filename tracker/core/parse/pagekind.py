"""Recognise pages that are not policy documents: anti-bot challenges, JS shells, login walls.

A challenge page stored as a "new version" would wipe a document's clauses and raise a
false alert, so these are detected before parsing and reported as `NotADocumentError`.
The crawler calls `detect_non_document` itself to count blocked fetches per source.
"""

from __future__ import annotations

import re

from tracker.core.errors import NotADocumentError
from tracker.core.model import PageKind

_RUISHU_RE = re.compile(r"\$_ts\s*[=.\[]|<meta[^>]*\sr=[\"']?m[\"']?[\s/>]", re.I)
_JSL_RE = re.compile(r"__jsl_clearance|_jsl_clearance_s|document\.cookie\s*=.*?location", re.I | re.S)
_ENABLE_JS_RE = re.compile(
    r"(?:please\s+)?enable\s+javascript|javascript\s+(?:is\s+)?(?:disabled|required)|"
    r"请(?:开启|启用|打开|允许)\s*javascript|(?:需要|必须)(?:开启|启用)\s*javascript|浏览器(?:不支持|禁用|未开启)\s*javascript",
    re.I,
)
_INVISIBLE_RE = re.compile(
    r"<(script|style|noscript|template|head|svg)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S
)
#: Where `_INVISIBLE_RE` may begin a removal.
_INVISIBLE_START_RE = re.compile(r"<(?:script|style|noscript|template|head|svg)\b|<!--", re.I)
_TAG_RE = re.compile(r"<[^>]+>")
_ENTITY_RE = re.compile(r"&(?:nbsp|#160|#12288);?", re.I)
_PASSWORD_RE = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.I)
_LOGIN_WORD_RE = re.compile(r"登录|登陆|用户登录|统一身份认证|log\s*in|sign\s*in", re.I)
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SCRIPT_RE = re.compile(r"<script\b", re.I)

#: Starts of a page (in characters) whose visible text is measured before the whole page's.
_VISIBLE_STARTS = (6144, 24576)
#: Below this many visible characters (besides the <title>) a page holds no document.
_MIN_VISIBLE = 20
#: A "please enable JavaScript" message on a page with less text than this is the whole page.
_ENABLE_JS_MAX_VISIBLE = 240
#: Challenge pages carry (almost) no visible text; real pages on protected sites do.
_CHALLENGE_MAX_VISIBLE = 400
#: A login form beside this much text is a site header widget, not a login wall.
_LOGIN_MAX_VISIBLE = 600


def visible_text(html: str) -> str:
    """Rough visible text of a page (scripts, styles, comments and tags removed)."""
    text = _TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", html))
    text = _ENTITY_RE.sub(" ", text)
    return " ".join(text.split())


def _visible_length(html: str, enough: int) -> int:
    """`len(visible_text(html))`, or a number of at least `enough` when it is that long: the checks
    compare it with a few hundred characters, which most pages show in their first kilobytes."""
    for size in _VISIBLE_STARTS:
        if size >= len(html):
            break
        at_least = _visible_start_length(html[:size])
        if at_least >= enough:
            return at_least
    return len(visible_text(html))


def _visible_start_length(start: str) -> int:
    """The length of a start of the visible text of any page that begins with `start`.

    Removals are decided left to right, each by the text up to its own end, so they are those of
    the whole page up to the first script, style or comment left open at the cut (its end may lie
    beyond it) and up to the last `>`: the text cut there is a start of `visible_text`."""
    text = _INVISIBLE_RE.sub(" ", start)
    left_open = _INVISIBLE_START_RE.search(text)
    if left_open:
        text = text[: left_open.start()]
    text = text[: text.rfind(">") + 1]
    return len(" ".join(_ENTITY_RE.sub(" ", _TAG_RE.sub(" ", text)).split()))


def detect_non_document(html: str, status_code: int | None = None) -> NotADocumentError | None:
    """The reason `html` is not a policy page, or None when it may be one."""
    title_match = _TITLE_RE.search(html)
    title = visible_text(title_match.group(1)) if title_match else ""
    # No check below looks further than this: the exact length of a longer text does not matter.
    visible = _visible_length(html, max(_LOGIN_MAX_VISIBLE, _MIN_VISIBLE + len(title)))
    # Protected sites embed the same scripts in real pages too: only a page without
    # content of its own is the challenge.
    bare = visible < _CHALLENGE_MAX_VISIBLE
    if status_code == 412 or (bare and _RUISHU_RE.search(html)):
        return NotADocumentError(PageKind.CHALLENGE, "瑞数 anti-bot challenge ($_ts / HTTP 412)")
    if status_code == 521 or (bare and _JSL_RE.search(html)):
        return NotADocumentError(PageKind.CHALLENGE, "加速乐 anti-bot challenge (__jsl_clearance / HTTP 521)")
    if (visible < _LOGIN_MAX_VISIBLE or _LOGIN_WORD_RE.search(title)) and _PASSWORD_RE.search(html):
        return NotADocumentError(PageKind.LOGIN, "login page (password form)")
    if visible < _ENABLE_JS_MAX_VISIBLE and _ENABLE_JS_RE.search(html):
        return NotADocumentError(PageKind.JS_SHELL, "page asks to enable JavaScript instead of showing content")
    if visible - len(title) < _MIN_VISIBLE:
        if _SCRIPT_RE.search(html):
            return NotADocumentError(PageKind.JS_SHELL, "empty page shell filled by JavaScript")
        return NotADocumentError(PageKind.EMPTY, "page has no text")
    return None
