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

#: Traditional characters frequent in every policy text (號, 關於, 辦, 為, 發, 會, 區…): a page in
#: traditional script contains some of them in its first lines, a simplified page none. The test
#: suite checks each against OpenCC, which does the conversion itself.
COMMON_TRADITIONAL = (
    "們這個來時國會說對發與為關於號條辦區縣學經業務實現動進產機當開門問長書東車規證鄉華員項體資術點應"
    "併從將並專屬費執檢環護聯變給認識議處廳廣層級總結構輔導領類權歷義財稅價貿貸銀歲標準據統計劃數網絡"
    "雲際險療醫藥衛營養園圖館語讀寫請設線電話碼傳遞報紙雜誌廢"
)
_TRADITIONAL_RE = re.compile(f"[{COMMON_TRADITIONAL}]")


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_converter().convert(text))


def has_traditional(text: str) -> bool:
    """True when the page is written in traditional characters (any of the common ones)."""
    return _TRADITIONAL_RE.search(text) is not None


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
