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
        total = sum(w * line.confidence for w, line in zip(weights, self.lines))
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
    """Sort lines top to bottom, and left to right within one row.

    Two boxes are on one row when their vertical centres are closer than half the
    smaller box's height; table cells and a case number set right of a heading then
    read in the order a person reads them.
    """
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
