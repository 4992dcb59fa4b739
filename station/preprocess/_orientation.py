"""Tell which way up a scanned page is: 0, 90, 180 or 270 degrees.

A feeder takes paper the way the clerk put it in, so a page may arrive on its side
or upside down. The page is judged by a small convolutional network the project
trains itself (``scripts/train_orientation.py``) and ships as
``models/orientation.tflite``; it runs on the TFLite interpreter of ``ai-edge-litert``
with one thread and nothing is downloaded.

The network does not see the whole page. It reads the cleaner's reduced copy of
the page (about 150 dpi, see ``_analysis``), through how much darker than the
local paper each pixel is, so grey paper, a coloured cover and the shadow of a fold
all read as ink on white. The text is first brought to one size: the marks of ink
that lie in text lines are measured, and the page is scaled so that the median
mark (its larger side, which a quarter turn does not change) is ``GLYPH_PX``
pixels. Up to ``MAX_PATCHES`` square windows holding the most characters are then
cut, each covering a few words on three or four lines, and the network gives each
one four probabilities. The page's answer is the turn with the highest weighted
mean probability, and that mean is the confidence: a page of which only a few
windows agree is flagged for review and left as it is rather than turned the wrong
way. Each window weighs as much as it is sure: the network was trained to give
even odds on windows without a clue (a drawing, a stamp, a row of digits), so those
do not dilute the others. The cleaner passes its analysis in, so finding the marks
costs orientation nothing beyond the text-line test.

Sizing by the text instead of by the declared resolution means that an 8 pt
footnote, a 28 pt heading and a scan whose dpi is wrong are all read at the size
the network was trained on.

A page whose marks form no text lines (two handwritten lines, a drawing, a few
scattered large words) gets no confident answer, however sure the network is:
drawn shapes have no right way up, and the network was seen to be sure of them.
Such pages, and those below the confidence threshold, are left to the cleaner's
second opinion (PP-OCRv4 reading text lines in each turn) or flagged.

Measured with ``scripts/eval_orientation.py`` (275 pages in four turns): every
real Chinese and English page of the corpus turned right and confidently in all
four turns except the two handwritten lines, which the second opinion turned;
no confident mistake. The network needs about 4.5 ms for its sixteen windows, read
twice, and cutting the windows about 5 ms, on one x86 core; a Raspberry Pi takes
several times as long.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from station._errors import StationError
from station.preprocess._analysis import INK_DARKNESS, Analysis, analyse

log = logging.getLogger(__name__)

#: Side of the square windows the network reads, in pixels.
PATCH_PX = 64

#: Larger side of the median mark of ink after scaling: a Chinese character is then
#: about 14 px and a Latin lower-case letter about 10 px, large enough to see a
#: descender or the closing stroke of a character, small enough that a window
#: holds three or four lines.
GLYPH_PX = 12.0

#: Most windows read per page. Sixteen windows, each read twice, take about 4 ms
#: on one x86 core and leave enough votes that a table cell or a stamp cannot
#: outvote the text.
MAX_PATCHES = 16

#: Fewest windows with text for an answer; with fewer the reason is "no text".
MIN_PATCHES = 2

#: Fewest character-sized marks on a page for it to be judged at all.
MIN_MARKS = 12

#: A window needs this many characters (centres of marks) to be read.
MIN_MARKS_PER_PATCH = 4

#: Weighted mean probability of the winning turn below which the page is flagged
#: for review (or handed to the cleaner's second opinion). Chosen on the
#: evaluation set (``scripts/eval_orientation.py``): on 1315 judgements of drawn
#: and real pages no answer at or above it was wrong; the five wrong ones all lay
#: below 0.58.
DEFAULT_MIN_CONFIDENCE = 0.65

#: The ink of a page is never taken as fainter than this darkness when windows
#: are scaled to full ink, so a page of specks is not blown up into black blots.
_MIN_INK_LEVEL = 0.3

#: Marks whose larger side lies in this range (mm) count as characters or parts of
#: them; smaller ones are specks, larger ones rules, frames and pictures.
_MARK_MIN_MM = 0.7
_MARK_MAX_MM = 12.0

#: Gap between characters of one line that is closed to find the line (mm), and
#: how many times longer than thick the joined shape must be to count as a line.
_LINE_GAP_MM = 3.0
_LINE_ASPECT = 3.0

#: Labels of the network's four outputs: the clockwise turn that was applied to the
#: upright page. The turn that makes it upright again is the opposite one.
_TURNS_DEG = (0, 90, 180, 270)

_MODEL = "models/orientation.tflite"

#: Two pages read at once on first use must not load the model twice.
_LOADING = threading.Lock()


@dataclass(frozen=True)
class OrientationEstimate:
    """Which way up a page is, and how sure the network is.

    Attributes:
        degrees: clockwise turn that makes the page upright: 0, 90, 180 or 270
            (``cv2.rotate`` with ``ROTATE_90_CLOCKWISE`` for 90). Always 0 when not
            confident.
        confidence: 0-1, the probability the windows gave the winning turn, each
            weighted by how sure it is.
        confident: False when the page must be flagged for review and not turned.
        reason: ``"ok"``, or why the answer is not trusted.
        ms: time taken by the whole estimate, in milliseconds.
        support: the network's probability for each clockwise turn to upright
            (0, 90, 180, 270), empty when it read no windows. A second opinion
            the network gives almost no support to is not taken.
    """

    degrees: int
    confidence: float
    confident: bool
    reason: str
    ms: float
    support: tuple[float, ...] = ()


@dataclass(frozen=True)
class Patches:
    """Windows cut from a page, ready for the network.

    Attributes:
        pixels: ``float32`` array ``(n, PATCH_PX, PATCH_PX, 1)``, 0 for paper and 1
            for full ink; ``n`` may be 0.
        glyph_px: larger side of the median mark at the input's resolution, or 0
            when the page has too few marks to measure.
        reason: ``"ok"`` or why no windows were cut.
        in_lines: the windows were chosen from marks in text lines; False when
            the page has no recognisable lines and all character-sized marks were
            used (a few large words, or a drawing).
    """

    pixels: np.ndarray
    glyph_px: float
    reason: str
    in_lines: bool = True


def estimate_orientation(
    gray: np.ndarray,
    dpi: float,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    page: Analysis | None = None,
) -> OrientationEstimate:
    """Tell the clockwise turn that makes a page upright.

    Args:
        gray: the page, grey or RGB ``uint8``, at 150 to 600 dpi.
        dpi: its resolution; only used to find the marks, so an estimate is fine.
        min_confidence: confidence below which the answer is not trusted.
        page: the page's analysis, when the caller has made it already.

    Returns:
        The estimate; a blank page, or one with only a few marks, is reported as
        not confident with reason ``"no text"`` and ``degrees`` 0.

    Raises:
        ImageError: the array is not a page (see ``check_page``).
    """
    started = time.perf_counter()
    patches = cut_patches(gray, dpi, page=page)
    if patches.reason != "ok":
        return _unsure(0.0, patches.reason, started)

    probabilities = classify(patches.pixels)
    mean = vote(probabilities)
    best = int(np.argmax(mean))
    confidence = float(mean[best])
    degrees = (360 - _TURNS_DEG[best]) % 360
    support = tuple(float(mean[(4 - k) % 4]) for k in range(4))
    log.debug(
        "orientation %d° from %d windows, mean probabilities %s, glyph %.1f px",
        degrees,
        len(probabilities),
        np.round(mean, 3).tolist(),
        patches.glyph_px,
    )
    if confidence < min_confidence:
        return _unsure(confidence, f"unsure: best {degrees}°", started, support)
    if not patches.in_lines:
        # Without text lines the windows may hold a drawing, whose shapes have no
        # right way up; the network is then often sure and wrong.
        reason = f"unsure: no text lines, best {degrees}°"
        return _unsure(confidence, reason, started, support)
    ms = (time.perf_counter() - started) * 1000
    return OrientationEstimate(degrees, confidence, True, "ok", ms, support)


def vote(probabilities: np.ndarray) -> np.ndarray:
    """Return the page's four probabilities from its windows', ``(n, 4)`` to ``(4,)``.

    A window's weight is how far its highest probability rises above even odds,
    so a window without a clue counts for nothing; when no window has a clue the
    plain mean, about even odds, is returned.
    """
    weights = (probabilities.max(axis=1) - 0.25) / 0.75
    if weights.sum() < 1e-3:
        plain: np.ndarray = probabilities.mean(axis=0)
        return plain
    weighted: np.ndarray = weights @ probabilities / weights.sum()
    return weighted


def cut_patches(
    pixels: np.ndarray,
    dpi: float,
    limit: int = MAX_PATCHES,
    glyph_px: float = GLYPH_PX,
    page: Analysis | None = None,
) -> Patches:
    """Cut the windows the network reads from a page, with the text at one size.

    The windows are cut from the reduced page's darkness (how much darker than the
    local paper each pixel is), so grey paper, a coloured cover and a shaded fold
    all read as ink on white. The training script calls this too, so the network
    learns from windows cut exactly as they are cut here; it varies ``glyph_px``
    so that the network copes with a character size measured a little off.

    Args:
        pixels: the page, grey or RGB ``uint8``.
        dpi: its resolution.
        limit: most windows to cut.
        glyph_px: size the median character is brought to.
        page: the page's analysis when the caller has it already (the cleaner
            does), which saves reducing the page and finding its marks again.
    """
    if page is None:
        page = analyse(pixels, dpi)
    centres, glyph, in_lines = _character_marks(page)
    if len(centres) < MIN_MARKS:
        return Patches(_empty(), 0.0, "no text")

    side = PATCH_PX * glyph / glyph_px
    boxes = _busiest_windows(centres, page.darkness.shape, side, limit)
    if len(boxes) < MIN_PATCHES:
        return Patches(_empty(), glyph / page.scale, "no text")

    level = _ink_level(page)
    cuts = [_cut(page.darkness, box, level) for box in boxes]
    pixels = np.stack(cuts)[..., np.newaxis]
    return Patches(pixels, glyph / page.scale, "ok", in_lines)


def classify(pixels: np.ndarray) -> np.ndarray:
    """Return the network's four probabilities for each window, ``(n, 4)``.

    The columns are the clockwise turns 0, 90, 180 and 270 degrees that were
    applied to upright text. Each window is also read upside down and the two
    readings are averaged (the second with its labels shifted by a half turn):
    on the evaluation pages this turned the only two confident mistakes (a
    quarter turn read as three quarters) into flagged pages, for 2 ms more.
    """
    count = len(pixels)
    both = np.concatenate([pixels, pixels[:, ::-1, ::-1]])
    readings = _network().run(both)
    upside_down = np.roll(readings[count:], -2, axis=1)
    averaged: np.ndarray = (readings[:count] + upside_down) / 2
    return averaged


class _Network:
    """The TFLite interpreter, one per process, used by one thread at a time.

    The interpreter keeps its tensors between calls, so concurrent calls would
    overwrite each other's input; the lock makes them take turns.
    """

    def __init__(self, interpreter: Any) -> None:
        self._interpreter = interpreter
        self._lock = threading.Lock()
        self._input = interpreter.get_input_details()[0]["index"]
        self._output = interpreter.get_output_details()[0]["index"]
        self._batch = 0

    def run(self, pixels: np.ndarray) -> np.ndarray:
        with self._lock:
            if len(pixels) != self._batch:
                self._interpreter.resize_tensor_input(self._input, pixels.shape)
                self._interpreter.allocate_tensors()
                self._batch = len(pixels)
            self._interpreter.set_tensor(self._input, pixels.astype(np.float32))
            self._interpreter.invoke()
            output: np.ndarray = self._interpreter.get_tensor(self._output)
            return output.copy()


def _network() -> _Network:
    """Return the process's network, loading it on first use."""
    with _LOADING:
        return _load_network()


@functools.cache
def _load_network() -> _Network:
    """Load the shipped model once, so that importing this module costs nothing.

    Raises:
        StationError: the model file is missing from the installed package.
    """
    from ai_edge_litert.interpreter import (
        Interpreter,
    )

    model = importlib.resources.files("station.preprocess").joinpath(_MODEL)
    try:
        content = model.read_bytes()
    except FileNotFoundError as error:
        raise StationError(
            f"the orientation model {_MODEL} is missing from the station package; "
            "reinstall the package"
        ) from error
    interpreter = Interpreter(model_content=content, num_threads=1)
    interpreter.allocate_tensors()
    log.debug("orientation model loaded from %s", model)
    return _Network(interpreter)


def _character_marks(page: Analysis) -> tuple[np.ndarray, float, bool]:
    """Return the centres of character-sized marks, their size, and if in lines.

    The size is the median larger side of those marks (in pixels of the reduced
    page), which a quarter turn does not change, so the text is brought to the
    same size whichever way up it is. Marks in text lines are preferred so that
    the dots and hatching of a picture neither set the size nor attract the
    windows; a page without recognisable lines (a few large words) falls back to
    all character-sized marks.
    """
    stats = page.marks.stats
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    sides = np.maximum(width, height)
    keep = (sides >= page.px(_MARK_MIN_MM)) & (sides <= page.px(_MARK_MAX_MM))
    keep[0] = False
    if not keep.any():
        return np.empty((0, 2)), 0.0, False

    centres = np.column_stack(
        (stats[:, cv2.CC_STAT_LEFT] + width / 2, stats[:, cv2.CC_STAT_TOP] + height / 2)
    )
    in_lines = keep & _in_text_lines(page, centres, float(np.median(sides[keep])))
    found = bool(in_lines.sum() >= MIN_MARKS)
    if found:
        keep = in_lines
    return centres[keep], float(np.median(sides[keep])), found


def _in_text_lines(page: Analysis, centres: np.ndarray, glyph: float) -> np.ndarray:
    """Tell for each mark whether its centre lies in a text line, across or along.

    Closing the gaps between neighbouring characters of a line joins the line
    into one long band no thicker than a character; opening with a bar three
    characters long keeps only such bands, and opening with a square as large as
    the largest character finds the blobs that pictures make, which are dropped.
    Both directions are tried, since the page may lie on its side. Only clear
    ink counts (see ``_strong_ink``), so a cover's printed texture or the
    show-through of the other side makes no line. The work is done at half the
    reduced page's resolution, where it costs about a millisecond.
    """
    strong = _strong_ink(page)
    half = cv2.resize(strong, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ink = (half >= 64).astype(np.uint8)
    gap = max(2, round(page.px(_LINE_GAP_MM) / 2))
    length = max(3, round(_LINE_ASPECT * glyph / 2))
    thick = max(3, round(page.px(_MARK_MAX_MM) / 2))
    blob_shape = cv2.getStructuringElement(cv2.MORPH_RECT, (thick, thick))
    rows = np.clip((centres[:, 1] / 2).astype(int), 0, ink.shape[0] - 1)
    cols = np.clip((centres[:, 0] / 2).astype(int), 0, ink.shape[1] - 1)
    found = np.zeros(len(centres), bool)
    for closing, bar in (((gap, 1), (length, 1)), ((1, gap), (1, length))):
        joined = cv2.morphologyEx(
            ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, closing)
        )
        bands = cv2.morphologyEx(
            joined, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, bar)
        )
        blobs = cv2.morphologyEx(joined, cv2.MORPH_OPEN, blob_shape)
        found |= (bands[rows, cols] > 0) & (blobs[rows, cols] == 0)
    return found


def _strong_ink(page: Analysis) -> np.ndarray:
    """Return 255 where the page is clearly inked, 0 elsewhere (``uint8``).

    Clear ink is at least half as dark as the page's darkest print (and never
    fainter than the cleaner's ink level), so faint photocopies still have
    their text while the halftone of a cover or a picture drops out.
    """
    sample = page.darkness[::4, ::4]
    threshold = max(INK_DARKNESS, 0.5 * float(np.percentile(sample, 99.5)))
    return (page.darkness >= threshold).astype(np.uint8) * 255


def _busiest_windows(
    centres: np.ndarray, shape: tuple[int, ...], side: float, limit: int
) -> list[tuple[int, int, int, int]]:
    """Choose up to ``limit`` non-overlapping windows holding the most characters.

    Candidates lie on a grid with half a window's step; each is scored by the
    character centres inside it, and the best ones are taken greedily, skipping
    any that overlaps one already taken by more than a quarter of its side.
    """
    height, width = shape
    size = min(round(side), height, width)
    step = max(1, size // 2)
    cell_x = np.clip((centres[:, 0] // step).astype(int), 0, width // step)
    cell_y = np.clip((centres[:, 1] // step).astype(int), 0, height // step)
    grid = np.zeros((height // step + 2, width // step + 2), np.int32)
    np.add.at(grid, (cell_y, cell_x), 1)
    # Each window covers two by two cells of the grid.
    scores = grid[:-1, :-1] + grid[1:, :-1] + grid[:-1, 1:] + grid[1:, 1:]

    order = np.argsort(scores, axis=None)[::-1]
    taken: list[tuple[int, int, int, int]] = []
    for flat in order:
        row, col = divmod(int(flat), scores.shape[1])
        if scores[row, col] < MIN_MARKS_PER_PATCH or len(taken) == limit:
            break
        x = min(col * step, width - size)
        y = min(row * step, height - size)
        if all(
            abs(x - tx) > size * 0.75 or abs(y - ty) > size * 0.75
            for tx, ty, _, _ in taken
        ):
            taken.append((x, y, size, size))
    return taken


def _ink_level(page: Analysis) -> float:
    """Return how dark the page's ink is, so faint and black print look alike."""
    sample = page.darkness[::2, ::2]
    ink = (sample >= INK_DARKNESS).astype(np.uint8)
    if not ink.any():
        return 1.0
    return max(_MIN_INK_LEVEL, float(cv2.mean(sample, mask=ink)[0]))


def _cut(
    darkness: np.ndarray, box: tuple[int, int, int, int], level: float
) -> np.ndarray:
    """Cut one window and scale it to the network's size, 0 paper, 1 ink."""
    x, y, w, h = box
    window = darkness[y : y + h, x : x + w]
    interpolation = cv2.INTER_AREA if w > PATCH_PX else cv2.INTER_LINEAR
    window = cv2.resize(window, (PATCH_PX, PATCH_PX), interpolation=interpolation)
    scaled: np.ndarray = window * np.float32(1 / level)
    return np.clip(scaled, 0.0, 1.0, out=scaled)


def _empty() -> np.ndarray:
    return np.zeros((0, PATCH_PX, PATCH_PX, 1), np.float32)


def _unsure(
    confidence: float, reason: str, started: float, support: tuple[float, ...] = ()
) -> OrientationEstimate:
    ms = (time.perf_counter() - started) * 1000
    return OrientationEstimate(0, confidence, False, reason, ms, support)
