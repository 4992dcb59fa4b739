"""Measure how far a page's text lines are tilted, or say that it cannot be told.

The measurement is a projection-profile search: the dark pixels of text-sized marks
are projected onto a line perpendicular to each candidate angle, and the angle at
which the projection is most sharply peaked (text lines fall into few bins, the gaps
between them into empty ones) is the tilt. A coarse sweep on a 50 dpi copy finds the
peak, two finer sweeps on the 150 dpi copy place it to a few hundredths of a degree.

The search abstains rather than guesses: on pages with too few text-sized marks, with
a flat profile, with two comparable peaks at different angles (a table turned inside
a straight frame), or when the upper and lower halves of the text disagree by more
than a degree, it reports no angle and the page is not rotated.

On flat printed pages the angle is within 0.05° of the truth for most pages and
within about 0.12° for 95 % of them (``scripts/eval_preprocess.py``). Pages whose
lines are not straight, such as a book page curving towards the spine, sheet music
or pictograms, get the angle of their dominant part, up to 0.25° off.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from station.preprocess._analysis import Analysis, analyse

log = logging.getLogger(__name__)

#: Darkness (share below the local paper) of pixels that can be text. Show-through
#: (about 10 %) and pencil (about 20 %) stay out: they may lie at another angle.
_TEXT_DARKNESS = 0.35

#: Marks whose height lies in this range (mm) count as characters; smaller ones are
#: specks, taller ones illustrations, vertical rules or frames.
_CHAR_MIN_MM = 0.8
_CHAR_MAX_MM = 15.0

#: Fewer character-sized marks than this is not a text line worth trusting.
_MIN_CHARS = 8

#: The peak must rise this far above the median of the sweep (relative).
_MIN_CONTRAST = 0.15

#: A second peak this high (relative to the first, above the median) and at least
#: ``_SEPARATE_DEG`` away makes the answer ambiguous.
_MAX_RIVAL = 0.75
_SEPARATE_DEG = 1.0

_COARSE_DPI = 50.0
_COARSE_STEP_DEG = 0.5
_COARSE_MIN_PX = 400
_RUN = 4
_STRIP = 8


@dataclass(frozen=True)
class SkewEstimate:
    """The measured tilt of a page's text lines.

    Attributes:
        angle_deg: tilt in degrees in (-45, 45]; positive when the content is turned
            counter-clockwise (baselines rise to the right). 0.0 when not confident.
        confident: False when the search abstained; the page must not be rotated.
        confidence: 0-1, how clearly the best angle stands out of the sweep.
        reason: ``"ok"`` or why the search abstained.
    """

    angle_deg: float
    confident: bool
    confidence: float
    reason: str


def estimate_skew(gray: np.ndarray, dpi: float, max_deg: float = 15.0) -> SkewEstimate:
    """Measure the tilt of the text lines of a page.

    Args:
        gray: the page, grey or RGB ``uint8``.
        dpi: its resolution.
        max_deg: largest tilt accepted; a page tilted further is reported as not
            confident, since a feeder does not turn paper that far and a larger
            angle is more often a diagram or a page turned on purpose.
    """
    return skew_of(analyse(gray, dpi), max_deg)


def skew_of(page: Analysis, max_deg: float) -> SkewEstimate:
    """Measure the tilt on an already reduced page (see :func:`estimate_skew`)."""
    mask, chars = _text_mask(page)
    if chars < _MIN_CHARS:
        return SkewEstimate(0.0, False, 0.0, "no text lines")

    reach = min(45.0, max_deg + 1.0)
    angles, scores = _coarse_sweep(mask, page.dpi, reach)
    best = int(np.argmax(scores))
    base = float(np.median(scores))
    contrast = (float(scores[best]) - base) / max(base, 1e-9)
    rival = _rival_share(angles, scores, best, base)
    confidence = float(np.clip(contrast / (2 * _MIN_CONTRAST), 0, 1) * (1 - rival))

    if contrast < _MIN_CONTRAST:
        return SkewEstimate(0.0, False, confidence, "no clear text lines")
    if rival > _MAX_RIVAL:
        return SkewEstimate(0.0, False, confidence, "ambiguous")
    if not _halves_agree(mask, page.dpi, reach, float(angles[best])):
        return SkewEstimate(0.0, False, confidence / 2, "ambiguous")

    angle = _refine(mask, _peak(angles, scores, best))
    angle = normalise_angle(angle)
    if abs(angle) > max_deg:
        return SkewEstimate(0.0, False, confidence, f"beyond ±{max_deg:g}°")
    log.debug(
        "skew %.3f° (contrast %.2f, rival %.2f, %d marks)",
        angle,
        contrast,
        rival,
        chars,
    )
    return SkewEstimate(angle, True, confidence, "ok")


def normalise_angle(angle_deg: float) -> float:
    """Fold a line angle into (-45°, 45°].

    Text lines and the rules of a table are the same at θ and θ ± 90°, so any
    angle a helper returns (OpenCV's ``minAreaRect`` changed its convention between
    versions) is brought into one half-open quarter turn.
    """
    folded = math.fmod(angle_deg, 90.0)
    if folded > 45.0:
        folded -= 90.0
    elif folded <= -45.0:
        folded += 90.0
    return folded


def _text_mask(page: Analysis) -> tuple[np.ndarray, int]:
    """Return the pixels of character-sized marks and how many there are.

    Left out: marks touching the region's edge (remnants of a border or of the
    paper's edge), specks, tall marks (illustrations, frames, whole ruled tables),
    marks at least three times taller than wide (barcode bars, vertical rules, and
    harmlessly a few "l" and "1") and long thin rules. Rules and barcodes are
    printed apart from the text and may lie at another angle, and a page is
    deskewed for the sake of its text. A barcode strip only a few millimetres tall,
    whose bars are not three times taller than wide, is not recognised this way and
    counts as a line of text at its own angle.
    """
    labels, stats = page.marks.labels, page.marks.stats
    x, y, w, h = (stats[:, i] for i in range(4))
    height, width = labels.shape
    inside = (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    low, high = page.px(_CHAR_MIN_MM), page.px(_CHAR_MAX_MM)
    bar = (h >= page.px(2.0)) & (h >= 3 * w)
    chars = inside & (h >= low) & (h <= high) & ~bar
    chars[0] = False
    mask = chars[labels] & (page.darkness >= _TEXT_DARKNESS)
    return mask, int(np.count_nonzero(chars))


def _run_points(mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return x, y and weight of ``mask`` summed over runs of 4 columns.

    Text lines are horizontal, so merging 4 neighbouring pixels of a row moves none
    of them by more than 2 px along the line: at 15° that shifts its projection by
    half a pixel, while the number of points to project falls by two to three.
    """
    width = mask.shape[1]
    cut = width - width % _RUN
    # Four one-byte booleans read as one 32-bit word; multiplying by 0x01010101
    # adds the four bytes into the top one.
    words = np.ascontiguousarray(mask[:, :cut]).view(np.uint32)
    runs = ((words * np.uint32(0x01010101)) >> np.uint32(24)).astype(np.uint8)
    ys, cols = np.nonzero(runs)
    xs = cols.astype(np.float32) * _RUN + (_RUN - 1) / 2
    return xs, ys.astype(np.float32), runs[ys, cols].astype(np.float32)


def _profile_scores(
    xs: np.ndarray,
    ys: np.ndarray,
    ws: np.ndarray,
    angles: np.ndarray,
    edges: bool = False,
) -> np.ndarray:
    """Score, per angle, how sharply the projection profile is peaked.

    The coarse sweep sums the squares of the profile, which rises smoothly towards
    the peak and so is not missed between two steps. The fine sweeps sum the
    squares of its differences, which respond to the sharp top and bottom edges of
    each line and so place the peak more precisely, Chinese lines included (their
    square characters give a flat-topped profile).
    """
    rad = np.deg2rad(angles.astype(np.float64))
    scores = np.empty(len(angles))
    offset = float(np.hypot(xs.max(initial=0), ys.max(initial=0))) + 2
    for i, a in enumerate(rad):
        pos = ys * math.cos(a) + xs * math.sin(a) + offset
        lo = pos.astype(np.int64)
        frac = pos - lo
        hist = np.bincount(lo, ws * (1 - frac))
        hist[1:] += np.bincount(lo + 1, ws * frac)[1 : len(hist)]
        if edges:
            hist = np.diff(hist)
        scores[i] = float(np.dot(hist, hist))
    return scores


def _coarse_sweep(
    mask: np.ndarray, dpi: float, reach: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score every angle from ``reach`` down to ``-reach`` in steps of 0.5°.

    Works on a 50 dpi copy (at least 400 px wide, for small pages) cut into strips
    8 px wide: each strip's row profile is shifted by the height its centre gains at
    the angle, and the shifted profiles are added. This is the projection along the
    sheared direction, cheaper than projecting every pixel and, within a strip, off
    by at most 1 px at 16°; dividing by the cosine undoes the shear's stretch.
    """
    f = min(1.0, max(_COARSE_DPI / dpi, _COARSE_MIN_PX / mask.shape[1]))
    size = (max(_STRIP, round(mask.shape[1] * f)), max(1, round(mask.shape[0] * f)))
    small = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    strips = width // _STRIP
    profiles = small[:, : strips * _STRIP].reshape(height, strips, _STRIP).sum(axis=2)

    count = round(2 * reach / _COARSE_STEP_DEG)
    angles = reach - _COARSE_STEP_DEG * np.arange(count)
    slopes = np.tan(np.deg2rad(angles))
    centres = (np.arange(strips) + 0.5) * _STRIP - width / 2
    shifts = np.rint(np.outer(slopes, centres)).astype(np.int64)
    pad = int(np.abs(shifts).max(initial=0))

    padded = np.zeros((strips, height + 2 * pad), dtype=np.float32)
    padded[:, pad : pad + height] = profiles.T
    rows = np.arange(height + 2 * pad)
    sums = np.zeros((count, height + 2 * pad), dtype=np.float32)
    for k in range(strips):
        sums += padded[k][np.clip(rows - shifts[:, k : k + 1], 0, rows[-1])]
    scores = np.einsum("ij,ij->i", sums, sums, dtype=np.float64)
    return angles, scores / np.cos(np.deg2rad(angles))


def _rival_share(
    angles: np.ndarray, scores: np.ndarray, best: int, base: float
) -> float:
    """Return the height of the best peak away from ``best``, relative to it."""
    top = float(scores[best]) - base
    far = np.abs(angles - angles[best]) >= _SEPARATE_DEG
    peaks = np.zeros_like(far)
    peaks[1:-1] = (scores[1:-1] >= scores[:-2]) & (scores[1:-1] >= scores[2:])
    candidates = scores[far & peaks]
    if candidates.size == 0 or top <= 0:
        return 0.0
    return max(0.0, (float(candidates.max()) - base) / top)


def _halves_agree(mask: np.ndarray, dpi: float, reach: float, angle: float) -> bool:
    """Tell whether the upper and lower halves of the text lie at the same angle.

    One strong straight structure (a barcode strip, a form's printed lines) can
    outweigh a turned table or text block on the whole page without leaving a second
    peak to be seen. Cut at the middle of the ink, each half that holds a fifth of
    it and has its own clear peak must find it within 1° of the page's.
    """
    weights = mask.sum(axis=1, dtype=np.int64)
    total = int(weights.sum())
    middle = int(np.searchsorted(np.cumsum(weights), total // 2))
    for half in (mask[:middle], mask[middle:]):
        if half.shape[0] < 2 or int(half.sum()) < total // 5:
            continue
        angles, scores = _coarse_sweep(half, dpi, reach)
        best = int(np.argmax(scores))
        base = float(np.median(scores))
        clear = float(scores[best]) - base >= _MIN_CONTRAST * base
        if clear and abs(float(angles[best]) - angle) > _SEPARATE_DEG:
            return False
    return True


def _refine(mask: np.ndarray, coarse_deg: float) -> float:
    """Place the peak found by the coarse sweep to a few hundredths of a degree.

    A sweep of the smooth score at 0.1° finds the main peak (the sharp score has
    side peaks 0.1° apart on bilevel pages); a sweep of the sharp score at 0.02°
    around it places the top.
    """
    xs, ys, ws = _run_points(mask)
    centre = coarse_deg
    for step, half, edges in ((0.1, 0.4, False), (0.02, 0.1, True)):
        count = round(half / step)
        angles = centre + step * np.arange(-count, count + 1)
        scores = _profile_scores(xs, ys, ws, angles, edges=edges)
        i = int(np.argmax(scores))
        centre = float(angles[i])
        if 0 < i < len(angles) - 1:
            centre += step * _vertex(scores[i - 1], scores[i], scores[i + 1])
    return centre


def _peak(angles: np.ndarray, scores: np.ndarray, best: int) -> float:
    """Return the angle of the top of the coarse peak, between sweep steps."""
    if 0 < best < len(angles) - 1:
        step = float(angles[best + 1] - angles[best])
        offset = _vertex(scores[best - 1], scores[best], scores[best + 1])
        return float(angles[best]) + step * offset
    return float(angles[best])


def _vertex(left: float, mid: float, right: float) -> float:
    """Return the offset, in steps, of the vertex of a parabola through three points."""
    curve = left - 2 * mid + right
    if curve >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))
