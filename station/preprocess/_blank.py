"""Tell a blank page from a page with little on it.

A page is blank when no significant mark is left after setting aside what paper and
scanners add by themselves: specks of dust and paper grain, show-through of the other
side (a tenth darker than the paper at most), the faint streaks of a dirty sensor,
remnants of a border along the edges, marks in the very corners, punch holes and
staple shadows in the margins. Everything else counts, however little: a lone page
number, a pencil signature (a fifth darker than the paper), one handwritten line, a
red seal. Missing content costs more than an extra page, so the test leans that way.

Two consequences of the rules: punch holes are recognised as filled round discs, so
a hole seen against a white lid, which leaves only a crescent of shadow, counts as
content and such a page is kept as not blank; and a mark lying within 12 mm of two
edges is ignored, so a page whose only content is a page number stamped that close
to a corner is called blank.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from station.preprocess._analysis import Analysis, analyse

log = logging.getLogger(__name__)

#: A significant mark spans at least this much (mm) in height or width and covers
#: this area (mm²): a 2 mm digit "1" passes, dust and paper grain do not.
_MIN_SPAN_MM = 1.5
_MIN_AREA_MM2 = 0.3

#: Marks lying entirely within this distance (mm) of two edges sit in a corner, where
#: feeders, guillotines and folded corners leave marks and no text is printed.
_CORNER_MM = 12.0

#: Punch holes and staples are looked for this close (mm) to an edge.
_MARGIN_MM = 30.0

#: A punch hole's centre is darker than this share of the paper in every colour.
_HOLE_SHARE = 0.75


@dataclass(frozen=True)
class BlankVerdict:
    """Whether a page is blank.

    Attributes:
        blank: True when no significant mark was found.
        score: share of the page covered by significant marks (0 = nothing);
            higher means more content.
        reason: what was found, for the log and the operator.
    """

    blank: bool
    score: float
    reason: str


def is_blank(gray: np.ndarray, dpi: float) -> BlankVerdict:
    """Decide whether a page carries any content.

    Args:
        gray: the page, grey or RGB ``uint8`` (colour is used: a red seal is ink).
        dpi: its resolution; all sizes are defined in millimetres.
    """
    return blank_of(analyse(gray, dpi))


def blank_of(page: Analysis) -> BlankVerdict:
    """Decide on an already reduced page (see :func:`is_blank`)."""
    labels, stats = page.marks.labels, page.marks.stats
    marks = _significant(stats, page)
    marks &= ~_punch_holes(stats, page)
    candidates = marks & _staple_candidates(stats, page)
    if not (marks & ~candidates).any():
        # Only worth the shape test when nothing else marks the page as content.
        for index in np.flatnonzero(candidates):
            marks[index] = not _is_staple(int(index), labels, stats, page)

    if not marks.any():
        return BlankVerdict(True, 0.0, "no significant ink")
    count = int(np.count_nonzero(marks))
    score = float(stats[marks, cv2.CC_STAT_AREA].sum()) / float(labels.size)
    log.debug("%d marks, %.5f of the page", count, score)
    return BlankVerdict(False, score, f"{count} marks")


def _significant(stats: np.ndarray, page: Analysis) -> np.ndarray:
    """Return a mask of components large enough to be content, away from the edges."""
    x, y, w, h, area = (stats[:, i] for i in range(5))
    height, width = page.darkness.shape
    inside = (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    span = np.maximum(w, h) >= page.px(_MIN_SPAN_MM)
    big = area >= page.px(1.0) ** 2 * _MIN_AREA_MM2

    near = page.px(_CORNER_MM)
    near_x = (x + w <= near) | (x >= width - near)
    near_y = (y + h <= near) | (y >= height - near)
    marks = np.asarray(inside & span & big & ~(near_x & near_y), dtype=np.bool_)
    marks[0] = False
    return marks


def _in_margin(stats: np.ndarray, page: Analysis) -> np.ndarray:
    x, y, w, h = (stats[:, i] for i in range(4))
    height, width = page.darkness.shape
    margin = page.px(_MARGIN_MM)
    near = (x < margin) | (y < margin) | (x + w > width - margin)
    return np.asarray(near | (y + h > height - margin), dtype=np.bool_)


def _punch_holes(stats: np.ndarray, page: Analysis) -> np.ndarray:
    """Filled round marks 4-9 mm across in the margin (the lid seen through a hole).

    The lid is grey or black, so a hole is dark in every colour at its centre; a
    small solid red seal of the same size is not, and stays content.
    """
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    low, high = page.px(4.0), page.px(9.0)
    sized = (w >= low) & (w <= high) & (h >= low) & (h <= high)
    round_ = np.abs(w - h) <= 0.25 * np.maximum(w, h)
    filled = area >= 0.6 * w * h
    holes = np.asarray(sized & round_ & filled & _in_margin(stats, page), np.bool_)
    for index in np.flatnonzero(holes):
        x, y, w_, h_ = (int(v) for v in stats[index, :4])
        centre = page.brightest[y + h_ // 2, x + w_ // 2]
        holes[index] = centre < page.paper * _HOLE_SHARE
    return holes


def _staple_candidates(stats: np.ndarray, page: Analysis) -> np.ndarray:
    """Marks in the margin whose box could hold a bar 5-25 mm long."""
    w, h = stats[:, 2], stats[:, 3]
    reach = np.hypot(w, h)
    sized = (np.maximum(w, h) <= page.px(25.0)) & (reach >= page.px(5.0))
    return np.asarray(sized & _in_margin(stats, page), dtype=np.bool_)


def _is_staple(
    index: int, labels: np.ndarray, stats: np.ndarray, page: Analysis
) -> bool:
    """A straight bar 5-25 mm long and at most 1.5 mm thick, at any angle."""
    x, y, w, h = (int(v) for v in stats[index, :4])
    points = cv2.findNonZero((labels[y : y + h, x : x + w] == index).astype(np.uint8))
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    long_side, short_side = max(side_a, side_b), min(side_a, side_b)
    return page.px(5.0) <= long_side <= page.px(25.0) and short_side <= page.px(1.5)
