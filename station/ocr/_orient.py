"""A second opinion on which way up a page is, from what PP-OCRv4 can read.

The orientation network (``station.preprocess``) looks at a few windows of ink and
can be unsure on pages with little text: a book cover of a few large words over a
drawing, a sheet with four tiny lines. This check is slower and meant only for
such pages. It asks the recogniser itself: text read the right way up comes out
as confident characters, text read upside down or sideways as few and doubtful
ones.

The page is shrunk to ``DETECT_DPI`` and DB looks for text lines on it twice, as
it is and turned a quarter, since DB finds long lines best when they lie
horizontally. Each line found is kept in the pass where it lies within 45° of
horizontal, so it is read once, and its reading direction on the page tells which
turn of the page it stands for. The most line-like boxes (long, and sure to be
text) are cut from the full-resolution page and each is read as it is and turned
by 180°. Every character read is evidence for the turn it was read in, weighed by
the fourth power of its probability (a character read at 0.9 counts 0.66, at 0.6
only 0.13: upside-down Latin reads as a stream of half-sure ``u``, ``d`` and
``s``) and by its width (an ideograph or full-width sign 1, anything else half).
Confidence is the margin of the best turn over the runner-up, against the best's
evidence plus ``DOUBT_EM`` characters of doubt, so that one short word is not
enough. Lines are read four at a time, and reading stops once the answer is
settled. Colour pages are read as plain luma, not through ``ocr_grey``: a cover's
title may well be red.

Measured with ``scripts/eval_ocr_orientation.py`` on the corpus's 18 real Chinese
and English pages in all four turns: every answer right and confident, the cover
and the near-blank sheet included, in 0.36 s per page (median; 95th percentile
0.8 s, at most 1.1 s) on one x86 core. Detecting at 100 dpi lost one of the
near-blank sheet's four lines in two turns (confidence 0.58); at 150 dpi a page
took 40 % longer for no better answer.

What it does not handle: Chinese set in vertical columns reads, to PP-OCRv4, as
horizontal text turned a quarter (PaddleOCR reads vertical lines so), so an
upright page of vertical text is answered, confidently and wrongly, as 270°. Text
that reads the same upside down (``SOS``, ``pod``) leaves the page unsure. A word
of two or three characters (``第3页``) is often boxed less than twice as long as
tall and not taken for a line, so a page holding only that has "no text".
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np

from station.ocr._model import is_cjk
from station.ocr._rapid import Quad, RapidEngine, crop_line
from station.ocr._recognise import EngineChoice, engine_for
from station.ocr._tesseract import OcrError

log = logging.getLogger(__name__)

#: Resolution DB sees the page at: the near-blank sheet's small lines are then
#: boxed 15 pixels tall, which DB still finds, and an A4 page is 1.4 megapixels,
#: about 0.2 s per pass.
DETECT_DPI = 120.0

#: Upper bound on what DB sees, for large sheets and wrong resolutions.
DETECT_MEGAPIXELS = 1.5

#: Lines read at most, and how many are read between looks at the evidence.
MAX_LINES = 16
LINES_PER_STEP = 4

#: Confidence at which reading stops early; the dense pages of the corpus reach
#: it after their first four lines.
SETTLED = 0.9

#: A line is read over at most this many of its heights, from its middle: about
#: ten Chinese characters or twenty letters, since the recogniser's time grows
#: with the length read.
READ_HEIGHTS = 12.0

#: A box is line-like when it is at least this many times longer than tall; single
#: characters, dots and blobs of a drawing are not.
MIN_ASPECT = 2.0

#: Thinnest box taken, in detection pixels: thinner ones are rules and specks.
MIN_THICKNESS_PX = 4.0

#: Lines tilted further than this from every quarter turn are decoration (a
#: slanted title); they would speak for the nearest turn without reason.
MAX_TILT_DEG = 25.0

#: Evidence, in ideograph widths, the best turn must outweigh before it is
#: believed: one four-letter word gives at most 0.5, one four-character Chinese
#: word 0.67.
DOUBT_EM = 2.0

#: Confidence below which the answer is not trusted. On the corpus every answer
#: was right, the least sure (two handwritten lines) at 0.63; on drawn pages,
#: words that read the same upside down stayed under 0.05, a lone page number at
#: 0.26, a lone three-character Chinese word reached 0.59.
DEFAULT_MIN_CONFIDENCE = 0.5

#: Width of a character that is not an ideograph, in ideograph widths.
_NARROW_EM = 0.5


@dataclass(frozen=True)
class TextOrientation:
    """Which way up a page's text reads, and how sure the recogniser is.

    Attributes:
        degrees: clockwise turn that makes the page upright: 0, 90, 180 or 270
            (``np.rot90(page, k=-degrees // 90)``). Always 0 when not confident.
        confidence: 0-1, the best turn's margin over the runner-up against its
            evidence.
        confident: False when the answer must not be acted on.
        lines: text lines read for the answer.
        reason: ``"ok"``, ``"no text"``, or ``"unsure: ..."`` with the best guess.
        ms: time taken, in milliseconds.
    """

    degrees: int
    confidence: float
    confident: bool
    lines: int
    reason: str
    ms: float


@dataclass(frozen=True)
class _Line:
    """A text line to read: corners in page pixels and the turn it stands for.

    The corners run top-left, top-right, bottom-right, bottom-left as the line is
    read, so the crop read as it is speaks for ``turn`` and turned by 180° for the
    opposite turn. ``rank`` orders lines by how line-like they are.
    """

    points: np.ndarray
    turn: int
    rank: float


def read_orientation(
    page: np.ndarray,
    dpi: float,
    engine: RapidEngine | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> TextOrientation:
    """Tell the clockwise turn that makes a page upright from the text on it.

    Args:
        page: grey or RGB ``uint8`` pixels; lines are read at full resolution.
        dpi: the page's resolution; an estimate is enough (300 when unknown).
        engine: the PP-OCR engine to use; by default the one this process
            already keeps for Chinese OCR.
        min_confidence: confidence below which the answer is not trusted.

    Returns:
        The answer; a page on which no line can be read is not confident, with
        reason ``"no text"``.

    Raises:
        OcrError: the array is not a page, or the PP-OCR models are missing.
    """
    started = time.perf_counter()
    grey = _grey(page, dpi)
    engine = engine or _shared_engine()

    lines = _find_lines(engine, grey, dpi)
    evidence = np.zeros(4)
    read = 0
    for line in lines[:MAX_LINES]:
        upright, flipped = _evidence(engine, grey, line)
        evidence[line.turn // 90] += upright
        evidence[(line.turn + 180) % 360 // 90] += flipped
        read += 1
        if read % LINES_PER_STEP == 0 and _confidence(evidence)[1] >= SETTLED:
            break

    best, confidence = _confidence(evidence)
    log.debug(
        "text orientation %d° (%.2f) from %d of %d lines, evidence %s",
        best,
        confidence,
        read,
        len(lines),
        np.round(evidence, 1).tolist(),
    )
    ms = (time.perf_counter() - started) * 1000
    if evidence.max() <= 0:
        return TextOrientation(0, 0.0, False, read, "no text", ms)
    if confidence < min_confidence:
        runner_up = int(np.argsort(-evidence, kind="stable")[1]) * 90
        reason = f"unsure: best {best}° over {runner_up}°"
        return TextOrientation(0, confidence, False, read, reason, ms)
    return TextOrientation(best, confidence, True, read, "ok", ms)


def _shared_engine() -> RapidEngine:
    # engine_for creates a RapidEngine for the rapidocr choice, once per process.
    return cast(RapidEngine, engine_for("chi_sim+eng", EngineChoice.RAPIDOCR))


def _grey(page: np.ndarray, dpi: float) -> np.ndarray:
    """The page as contiguous grey ``uint8``, after checking it is one."""
    if page.dtype != np.uint8 or page.ndim not in (2, 3):
        raise OcrError(
            f"page must be H×W grey or H×W×3 RGB uint8, not {page.shape} {page.dtype}"
        )
    if page.ndim == 3 and page.shape[2] != 3:
        raise OcrError(f"page must be H×W grey or H×W×3 RGB, not {page.shape}")
    if min(page.shape[:2]) < 8:
        raise OcrError(f"page of {page.shape[1]}×{page.shape[0]} px is too small")
    if not dpi > 0:
        raise OcrError(f"resolution must be a positive dpi, not {dpi!r}")
    if page.ndim == 2:
        return np.ascontiguousarray(page)
    grey: np.ndarray = cv2.cvtColor(np.ascontiguousarray(page), cv2.COLOR_RGB2GRAY)
    return grey


def _find_lines(engine: RapidEngine, grey: np.ndarray, dpi: float) -> list[_Line]:
    """Text lines of the page, most line-like first, from two detection passes."""
    height, width = grey.shape
    scale = min(1.0, DETECT_DPI / dpi, (DETECT_MEGAPIXELS * 1e6 / grey.size) ** 0.5)
    size = (round(width * scale), round(height * scale))
    if min(size) < 32:
        # A strip narrower than a line of text at this scale: nothing to read, and
        # blowing it up to DB's least size would cost gigabytes on a long one.
        return []
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    to_page = np.array([width / size[0], height / size[1]], np.float32)

    lines = []
    for quarter in (0, 1):
        frame = np.ascontiguousarray(np.rot90(small, -quarter))
        for quad in engine.detect_lines(frame, 1.0):
            line = _line(quad, quarter, small.shape[0], to_page)
            if line is not None:
                lines.append(line)
    lines.sort(key=lambda line: -line.rank)
    return lines


def _line(
    quad: Quad, quarter: int, small_height: int, to_page: np.ndarray
) -> _Line | None:
    """The line in page pixels, or None when it is not line-like.

    ``quad`` was found on the shrunk page turned clockwise by ``quarter`` quarter
    turns (0 or 1); a line is kept only in the pass where it lies within 45° of
    horizontal, so a line found in both passes is read once.
    """
    axis = _long_axis(quad.points)
    if axis is None:
        return None
    direction, length, thickness = axis
    centre = quad.points.mean(axis=0)
    if quarter == 1:
        # Undo np.rot90(small, -1): frame (x, y) was small (y, height - 1 - x).
        centre = np.array([centre[1], small_height - 1 - centre[0]], np.float32)
        direction = np.array([direction[1], -direction[0]], np.float32)

    angle = float(np.degrees(np.arctan2(direction[1], direction[0])))
    turn = round(-angle / 90) % 4 * 90
    tilt = abs((-angle - turn + 180) % 360 - 180)
    if tilt > MAX_TILT_DEG:
        return None

    centre = (centre + 0.5) * to_page - 0.5
    length, thickness = length * float(to_page[0]), thickness * float(to_page[0])
    read = min(length, READ_HEIGHTS * thickness)
    points = _corners(centre, direction, read, thickness)
    rank = min(length / thickness, READ_HEIGHTS) * quad.score
    return _Line(points, turn, rank)


def _long_axis(corners: np.ndarray) -> tuple[np.ndarray, float, float] | None:
    """Unit vector along a box pointing rightwards, its length and thickness.

    None when the box is not line-like, or lies nearer vertical than horizontal.
    """
    sides = sorted(
        (corners[1] - corners[0], corners[2] - corners[1]),
        key=lambda side: float(np.hypot(*side)),
    )
    thickness, length = (float(np.hypot(*side)) for side in sides)
    if thickness < MIN_THICKNESS_PX or length < MIN_ASPECT * thickness:
        return None
    direction = sides[1] / length
    if abs(direction[1]) > abs(direction[0]):
        return None  # the other detection pass reads it
    return (direction if direction[0] >= 0 else -direction), length, thickness


def _corners(
    centre: np.ndarray, direction: np.ndarray, length: float, thickness: float
) -> np.ndarray:
    """The four corners, top-left first, of a line read along ``direction``."""
    along = direction * length / 2
    across = np.array([-direction[1], direction[0]], np.float32) * thickness / 2
    return np.array(
        [
            centre - along - across,
            centre + along - across,
            centre + along + across,
            centre - along + across,
        ],
        np.float32,
    )


def _evidence(
    engine: RapidEngine, grey: np.ndarray, line: _Line
) -> tuple[float, float]:
    """What the recogniser reads in the line as it is and turned by 180°."""
    crop = crop_line(grey, Quad(line.points))
    upright, flipped = engine.read_characters(
        [crop, np.ascontiguousarray(crop[::-1, ::-1])]
    )
    return _weigh(upright), _weigh(flipped)


def _weigh(chars: list[tuple[str, float]]) -> float:
    """Evidence of one reading: probabilities to the fourth, by character width."""
    return sum(
        p**4 * (1.0 if is_cjk(char) else _NARROW_EM)
        for char, p in chars
        if not char.isspace()
    )


def _confidence(evidence: np.ndarray) -> tuple[int, float]:
    """The best turn in degrees, and its margin over the runner-up against doubt."""
    order = np.argsort(-evidence, kind="stable")
    best, second = float(evidence[order[0]]), float(evidence[order[1]])
    return int(order[0]) * 90, (best - second) / (best + DOUBT_EM)
