"""Character error rate and exact-number checks, shared by the tests and the scripts.

Text is compared after Unicode NFKC (full-width brackets, digits and commas fold to
their ASCII forms, which the case-number parser does too) and with all white space
removed, because line breaks and the spaces around Latin words are layout, not
content. ``strict`` comparisons skip NFKC, for reporting how often the engines
change the width of punctuation.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str, strict: bool = False) -> str:
    if not strict:
        text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time (pages are a few thousand chars)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]


def cer(truth: str, read: str, strict: bool = False) -> tuple[int, int]:
    """Errors and reference length, so rates can be summed over pages."""
    reference = normalise(truth, strict)
    return edit_distance(reference, normalise(read, strict)), len(reference)


def contains(read: str, expected: str) -> bool:
    """Whether ``expected`` (a case number, amount or date) is in the text exactly."""
    return normalise(expected) in normalise(read)
