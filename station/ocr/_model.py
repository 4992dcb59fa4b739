"""What an OCR engine returns, and the interface every engine implements.

Engines differ in what they see (Tesseract finds words, PP-OCR finds lines), so the
common result is a list of lines in reading order, each with its box on the page and,
where the engine gives them, its words. Boxes are in pixels of the image that was
given to the engine, so the PDF text layer can be laid over that same image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

#: Characters written without spaces between them: CJK ideographs, kana, CJK and
#: full-width punctuation.
CJK_CHARS = (
    r"\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    r"\uff00-\uffef"
)
_CJK_GAP = re.compile(rf"(?<=[{CJK_CHARS}]) +(?=[{CJK_CHARS}])")
_CJK_ONE = re.compile(rf"[{CJK_CHARS}]")


def join_cjk(text: str) -> str:
    """Remove spaces between two CJK characters, keep them around Latin words.

    Tesseract's chi_sim model puts a space between every pair of Chinese characters
    and PP-OCR sometimes does too; searching a PDF for a four-character word fails
    if the text layer holds them.
    """
    return _CJK_GAP.sub("", text)


# A letter that PP-OCR and Tesseract read for a digit in a run of digits: ``l`` or
# ``I`` for 1, ``O`` or ``o`` for 0, when no other Latin letter touches it.
_ONE = re.compile(r"(?<=[0-9])[lI|](?=[0-9]|[^A-Za-z]|$)")
_ZERO = re.compile(r"(?<=[0-9])[Oo](?=[0-9])")
# Court rulings date themselves in Chinese numerals (二〇二六年三月十五日); both
# engines read the ring 〇 as a Latin O, a zero or a white circle.
_HAN_DIGIT = "〇一二三四五六七八九十"
_HAN_ZERO = re.compile(rf"(?<=[{_HAN_DIGIT}])[Oo0○◯](?=[{_HAN_DIGIT}年])")


def fix_digits(text: str) -> str:
    """Turn ``l``/``I`` after a digit, and ``O`` between digits, into digits.

    Between two Chinese numerals a Latin ``O``, a ``0`` or a circle becomes 〇.

    Amounts, phone numbers and case numbers are what a court searches for; an
    English word never has a digit right before one of these letters unless it is
    a unit or an ordinal, and neither is written so in court documents.
    """
    return _HAN_ZERO.sub("〇", _ZERO.sub("0", _ONE.sub("1", text)))


_IDEO = r"\u3400-\u4dbf\u4e00-\u9fff"
# A bracketed group touching a Chinese character on the outside or holding one.
_PARENS = re.compile(r"[(（]([^()（）]{0,40})[)）]")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_AFTER_CJK = re.compile(rf"(?<=[{_IDEO}])[,;:?!](?![0-9A-Za-z/])")


def full_width_punctuation(text: str) -> str:
    """Write Chinese text's brackets and punctuation full-width, as it is printed.

    PP-OCRv4 reads ``（元）`` and ``，`` as their ASCII forms; a clerk searching for
    ``（2026）豫1330执1234号`` types the full-width brackets. A pair of brackets
    becomes full-width when a Chinese character stands right outside or inside
    it, or when one of the two already is;
    a comma, semicolon, colon, question or exclamation mark after a Chinese
    character does too, unless a Latin letter, digit or slash follows (a time, a
    URL).
    """

    def brackets(match: re.Match[str]) -> str:
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        near = before + after + match.group(0)
        if re.search(rf"[{_IDEO}（）]", near):
            return f"（{match.group(1)}）"
        return match.group(0)

    text = _PARENS.sub(brackets, text)
    return _HALF_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(0)], text)


def tidy(text: str) -> str:
    """The text fixes every engine's output gets: spacing, digits, punctuation."""
    return full_width_punctuation(fix_digits(join_cjk(text)))


def is_cjk(char: str) -> bool:
    return bool(_CJK_ONE.fullmatch(char))


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in image pixels, ``x1``/``y1`` exclusive."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def scaled(self, factor: float, dx: float = 0.0, dy: float = 0.0) -> Box:
        return Box(
            self.x0 * factor + dx,
            self.y0 * factor + dy,
            self.x1 * factor + dx,
            self.y1 * factor + dy,
        )


@dataclass(frozen=True)
class OcrWord:
    text: str
    box: Box
    confidence: float  # 0-100


@dataclass(frozen=True)
class OcrLine:
    """One line of text as the engine read it; ``words`` may be empty."""

    text: str
    box: Box
    confidence: float  # 0-100
    words: tuple[OcrWord, ...] = ()


@dataclass(frozen=True)
class OcrResult:
    """All lines of one page image in reading order, and who read them how fast."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int
    engine: str
    ms: float

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_confidence(self) -> float | None:
        """Mean confidence weighted by characters, so one short line cannot dominate."""
        weights = [len(line.text) for line in self.lines]
        if not sum(weights):
            return None
        total = sum(
            w * line.confidence for w, line in zip(weights, self.lines, strict=True)
        )
        return round(total / sum(weights), 1)


class OcrEngine(Protocol):
    """Something that reads one page image.

    ``image`` is an 8-bit array, grey (H, W) or RGB (H, W, 3), as the cleaning step
    returns it. Engines keep their models loaded between calls, so one engine object
    serves every page a worker process sees.
    """

    @property
    def name(self) -> str: ...

    def recognise(self, image: np.ndarray, dpi: float) -> OcrResult: ...


def reading_order(lines: Sequence[OcrLine]) -> tuple[OcrLine, ...]:
    """Sort lines as a person reads them: rows, and text columns one after another.

    Lines are read top to bottom, and left to right within one row, so table cells
    and a case number set right of a heading come in order. Where the page is set
    in columns of text, the left column is read to its end before the right one
    (each side again split where it has columns of its own); a heading across
    both columns closes the columns above it.
    """
    rows = _rows(lines)
    gutter = _gutter(rows)
    if gutter is None:
        return rows
    ordered: list[OcrLine] = []
    left: list[OcrLine] = []
    right: list[OcrLine] = []
    for line in rows:
        if line.box.x1 <= gutter[1]:
            left.append(line)
        elif line.box.x0 >= gutter[0]:
            right.append(line)
        else:  # spans the gutter: a heading over both columns
            ordered.extend([*reading_order(left), *reading_order(right), line])
            left, right = [], []
    # Each side may itself be set in columns (a spread of two pages).
    return (*ordered, *reading_order(left), *reading_order(right))


def _rows(lines: Sequence[OcrLine]) -> tuple[OcrLine, ...]:
    """Top to bottom; boxes whose centres are within half a height form one row."""
    remaining = sorted(lines, key=lambda line: (line.box.y0 + line.box.y1) / 2)
    ordered: list[OcrLine] = []
    while remaining:
        first = remaining.pop(0)
        centre = (first.box.y0 + first.box.y1) / 2
        row = [first]
        for other in list(remaining):
            other_centre = (other.box.y0 + other.box.y1) / 2
            limit = min(first.box.height, other.box.height) / 2
            if abs(other_centre - centre) < limit:
                row.append(other)
                remaining.remove(other)
        ordered.extend(sorted(row, key=lambda line: line.box.x0))
    return tuple(ordered)


#: A column of text has lines of at least this many characters; table cells
#: (amounts, dates, labels) are shorter, so a table is never read column-wise.
COLUMN_LINE_CHARS = 12
#: Detected boxes reach past the ink, so a magazine's narrow gutter leaves only a
#: blank strip this share of a line's height between them.
GUTTER_SHARE = 0.3


def _gutter(lines: Sequence[OcrLine]) -> tuple[float, float] | None:
    """The blank strip between two columns of text, or None on a one-column page.

    The strip is the widest run of x positions, in the middle three fifths of the
    text, that at most a tenth of the lines cross and at least ``GUTTER_SHARE``
    of the median line height wide; each side must hold three or more lines of
    ``COLUMN_LINE_CHARS`` characters or more (median).
    """
    if len(lines) < 6:
        return None
    left_edge = int(min(line.box.x0 for line in lines))
    right_edge = int(max(line.box.x1 for line in lines)) + 1
    cover = np.zeros(right_edge - left_edge, dtype=np.int32)
    for line in lines:
        cover[int(line.box.x0) - left_edge : int(line.box.x1) - left_edge] += 1
    span = right_edge - left_edge
    middle = slice(span // 5, span * 4 // 5)
    open_ = cover[middle] <= max(1, len(lines) // 10)
    run = _widest_run(open_)
    if run is None:
        return None
    start, stop = (v + span // 5 + left_edge for v in run)
    heights = sorted(line.box.height for line in lines)
    if stop - start < GUTTER_SHARE * heights[len(heights) // 2]:
        return None
    sides = (
        [line for line in lines if line.box.x1 <= stop],
        [line for line in lines if line.box.x0 >= start],
    )
    for side in sides:
        counts = sorted(len(line.text) for line in side)
        if len(side) < 3 or counts[len(counts) // 2] < COLUMN_LINE_CHARS:
            return None
    return float(start), float(stop)


def _widest_run(flags: np.ndarray) -> tuple[int, int] | None:
    """Start and stop of the longest run of True in ``flags``."""
    best: tuple[int, int] | None = None
    start = None
    for index, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if best is None or index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best
