"""Traditional characters (`號`, `關於`, `辦`) matched as their simplified forms.

Pages from Hong Kong and Macao, older archives and some portals print policies in traditional
characters. Every pattern of the parser is written in simplified characters, so a page in
traditional script is read through its simplified conversion (OpenCC `t2s`, the maintained
converter), and the values shown to the user are put back into the page's own script.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import opencc

_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
#: Characters looked at to decide whether a page is in traditional script at all.
_SAMPLE_CHARS = 4000


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_converter().convert(text))


def has_traditional(text: str) -> bool:
    """True when the page's Chinese text changes under conversion (checked on a sample: a page in
    traditional script shows it in its first lines)."""
    sample = "".join(_CJK_RUN_RE.findall(text[: _SAMPLE_CHARS * 4]))[:_SAMPLE_CHARS]
    return bool(sample) and to_simplified(sample) != sample


def restorer(original: str, simplified: str) -> dict[int, str]:
    """A `str.translate` table from simplified characters back to the page's traditional ones.

    Built from the two texts aligned character by character (t2s keeps lengths for the
    characters that matter here); a simplified character that the page also prints as itself,
    or that comes from several traditional ones, goes back to its most frequent original."""
    if len(original) != len(simplified):
        return {}
    pairs: dict[str, Counter[str]] = {}
    for before, after in zip(original, simplified, strict=True):
        if before != after or after in pairs:
            pairs.setdefault(after, Counter())[before] += 1
    return {ord(after): counts.most_common(1)[0][0] for after, counts in pairs.items() if counts.most_common(1)[0][0] != after}
