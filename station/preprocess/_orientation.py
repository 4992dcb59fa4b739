"""Tell which way up a scanned page is: 0, 90, 180 or 270 degrees.

A feeder takes paper the way the clerk put it in, so a page may arrive on its side
or upside down. The page is judged by a small convolutional network the project
trains itself (``scripts/train_orientation.py``) and ships as
``models/orientation.tflite``; it runs on the TFLite interpreter of ``ai-edge-litert``
with one thread and nothing is downloaded.

The network does not see the whole page. The text is first brought to one size:
the marks of ink that lie in text lines are measured on a 75-150 dpi copy, and
the page is scaled so that the median mark (its larger side, which a quarter turn
does not change) is ``GLYPH_PX`` pixels. Up to ``MAX_PATCHES`` square windows
holding the most characters are then cut from the full-resolution page, each
covering a few words on three or four lines, and the network gives each one four
probabilities. The page's answer is the turn with the highest weighted mean
probability, and that mean is the confidence: a page of which only a few windows
agree is flagged for review and left as it is rather than turned the wrong way.
Each window weighs as much as it is sure: the network was trained to give even
odds on windows without a clue (a drawing, a stamp, a row of digits), so those do
not dilute the others.

Sizing by the text instead of by the declared resolution means that an 8 pt
footnote, a 28 pt heading and a scan whose dpi is wrong are all read at the size
the network was trained on.

What it does not yet do well: on real scans about one page in twenty (book covers
of a few large words, near-blank slips) is flagged rather than turned, and finding
the windows costs about three times the network's 4 ms, so a page takes about
13 ms on a quiet x86 core and more on a Raspberry Pi.
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
from station.preprocess._analysis import check_page, darkest_channel, percentile

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

#: Fewest windows with text for an answer; fewer is "too little text".
MIN_PATCHES = 2

#: Fewest character-sized marks on a page for it to be judged at all.
MIN_MARKS = 12

#: A window needs this many characters (centres of marks) to be read.
MIN_MARKS_PER_PATCH = 4

#: Weighted mean probability of the winning turn below which the page is flagged
#: for review. Chosen on the evaluation set (``scripts/eval_orientation.py``, 271
#: pages): every wrong answer there lay below it, and 4 of 267 right ones did.
DEFAULT_MIN_CONFIDENCE = 0.6

#: Lowest resolution of the copy on which marks are measured and windows chosen:
#: a 10 pt Latin letter is still five pixels high, a Chinese character ten.
_ANALYSIS_DPI = 75.0

#: Pixels are ink when darker than this share of the paper level and than Otsu's
#: threshold: the share keeps the grain of blank paper out, Otsu's threshold the
#: grey fringes of dark print.
_INK_SHARE = 0.75

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
    """

    degrees: int
    confidence: float
    confident: bool
    reason: str
    ms: float


@dataclass(frozen=True)
class Patches:
    """Windows cut from a page, ready for the network.

    Attributes:
        pixels: ``float32`` array ``(n, PATCH_PX, PATCH_PX, 1)``, 0 for paper and 1
            for full ink; ``n`` may be 0.
        glyph_px: larger side of the median mark at the input's resolution, or 0
            when the page has too few marks to measure.
        reason: ``"ok"`` or why no windows were cut.
    """

    pixels: np.ndarray
    glyph_px: float
    reason: str


def estimate_orientation(
    gray: np.ndarray, dpi: float, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> OrientationEstimate:
    """Tell the clockwise turn that makes a page upright.

    Args:
        gray: the page, grey or RGB ``uint8``, at 150 to 600 dpi; the windows are
            cut from it, so a full-resolution page reads better than a thumbnail.
        dpi: its resolution; only used to find the marks, so an estimate is fine.
        min_confidence: confidence below which the answer is not trusted.

    Returns:
        The estimate; a blank page, or one with only a few marks, is reported as
        not confident with reason ``"no text"`` and ``degrees`` 0.

    Raises:
        ImageError: the array is not a page (see ``check_page``).
    """
    started = time.perf_counter()
    patches = cut_patches(gray, dpi)
    if patches.reason != "ok":
        return _unsure(0.0, patches.reason, started)

    probabilities = classify(patches.pixels)
    mean = vote(probabilities)
    best = int(np.argmax(mean))
    confidence = float(mean[best])
    degrees = (360 - _TURNS_DEG[best]) % 360
    log.debug(
        "orientation %d° from %d windows, mean probabilities %s, glyph %.1f px",
        degrees,
        len(probabilities),
        np.round(mean, 3).tolist(),
        patches.glyph_px,
    )
    if confidence < min_confidence:
        return _unsure(confidence, f"unsure: best {degrees}°", started)
    ms = (time.perf_counter() - started) * 1000
    return OrientationEstimate(degrees, confidence, True, "ok", ms)


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
    gray: np.ndarray,
    dpi: float,
    limit: int = MAX_PATCHES,
    glyph_px: float = GLYPH_PX,
) -> Patches:
    """Cut the windows the network reads from a page, with the text at one size.

    The training script calls this too, so the network learns from windows cut
    exactly as they are cut here; it varies ``glyph_px`` so that the network
    copes with a character size measured a little off.
    """
    check_page(gray, dpi)
    if gray.ndim == 3:
        gray = darkest_channel(gray)
    # A whole reduction factor is averaged by OpenCV ten times faster than a
    # fractional one.
    factor = max(1, int(dpi / _ANALYSIS_DPI))
    small = gray
    if factor > 1:
        small = cv2.resize(
            gray, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA
        )

    paper = max(1.0, percentile(small, 0.9))
    otsu, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = min(float(otsu), paper * _INK_SHARE)
    ink = (small < threshold).astype(np.uint8)
    centres, glyph_small = _character_marks(ink, dpi / factor)
    if len(centres) < MIN_MARKS:
        return Patches(_empty(), 0.0, "no text")

    glyph = glyph_small * factor
    side = PATCH_PX * glyph / glyph_px
    boxes = _busiest_windows(centres * factor, gray.shape[:2], side, limit)
    if len(boxes) < MIN_PATCHES:
        return Patches(_empty(), glyph, "no text")

    ink_level = _ink_level(small, paper, threshold)
    cuts = [_cut(gray, box, paper, ink_level) for box in boxes]
    return Patches(np.stack(cuts)[..., np.newaxis], glyph, "ok")


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


def _character_marks(ink: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """Return the centres of character-sized marks in text lines, and their size.

    The size is the median larger side of those marks, which a quarter turn does
    not change, so the text is brought to the same size whichever way up it is.
    Marks in text lines are preferred so that the dots and hatching of a picture
    neither set the size nor attract the windows; a page without recognisable
    lines (a few large words) falls back to all character-sized marks.
    """
    count, labels, stats, centroids = _components(ink)
    sides = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    low = _MARK_MIN_MM * dpi / 25.4
    high = _MARK_MAX_MM * dpi / 25.4
    keep = (sides >= low) & (sides <= high)
    keep[0] = False
    if not keep.any():
        return np.empty((0, 2)), 0.0

    in_lines = keep & _in_text_lines(ink, labels, count, high)
    if in_lines.sum() >= MIN_MARKS:
        keep = in_lines
    return centroids[keep], float(np.median(sides[keep]))


def _in_text_lines(
    ink: np.ndarray, labels: np.ndarray, count: int, thickest: float
) -> np.ndarray:
    """Tell for each mark whether it lies in a text line, across or along the page.

    Closing the gaps between neighbouring characters of a line joins the line
    into one long shape no thicker than a character; the dots and hatching of a
    picture join into blobs instead. Both directions are closed, since the page
    may lie on its side. Returns a flag per label of ``labels``.
    """
    gap = max(3, round(thickest * _LINE_GAP_MM / _MARK_MAX_MM))
    found = np.zeros(count, bool)
    for kernel, along, across in (
        ((gap, 1), cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT),
        ((1, gap), cv2.CC_STAT_HEIGHT, cv2.CC_STAT_WIDTH),
    ):
        shape = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, shape)
        _, lines, stats, _ = _components(joined)
        thin = stats[:, across] <= thickest
        line = thin & (stats[:, along] >= _LINE_ASPECT * stats[:, across])
        line[0] = False
        found |= np.bincount(labels[line[lines]], minlength=count) > 0
    found[0] = False
    return found


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Label the 8-connected marks of a mask, with their boxes and centres.

    The sequential SAUF algorithm is asked for by name: with OpenCV 5.1 the
    default choice measured twice as slow on a two-core machine, most of it
    spent gathering the statistics in parallel.
    """
    count, labels, stats, centres = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_SAUF
    )
    return int(count), labels, stats, centres


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


def _ink_level(small: np.ndarray, paper: float, threshold: float) -> float:
    """Return the grey level of the ink, so faint and black print look alike."""
    dark = small[small < threshold]
    return float(np.median(dark)) if dark.size else 0.0


def _cut(
    gray: np.ndarray, box: tuple[int, int, int, int], paper: float, ink: float
) -> np.ndarray:
    """Cut one window and scale it to the network's size, 0 paper, 1 ink."""
    x, y, w, h = box
    window = gray[y : y + h, x : x + w]
    interpolation = cv2.INTER_AREA if w > PATCH_PX else cv2.INTER_LINEAR
    window = cv2.resize(window, (PATCH_PX, PATCH_PX), interpolation=interpolation)
    contrast = max(paper - ink, 1.0)
    scaled: np.ndarray = (paper - window.astype(np.float32)) / contrast
    return np.clip(scaled, 0.0, 1.0, out=scaled)


def _empty() -> np.ndarray:
    return np.zeros((0, PATCH_PX, PATCH_PX, 1), np.float32)


def _unsure(confidence: float, reason: str, started: float) -> OrientationEstimate:
    ms = (time.perf_counter() - started) * 1000
    return OrientationEstimate(0, confidence, False, reason, ms)
