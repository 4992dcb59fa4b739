"""Find the dark bands a scanner leaves along a page's edges.

Only bands that start at an edge and are mostly dark are trimmed: the black or grey
surround of a lid left open, the dark line of a badly aligned feeder, a printed black
frame. The cleaner never crops to the text, so a page number near the edge, a column
far from the text or three words on an empty page stay where they are.

A band must cover most (60 %) of a row or column to be trimmed, or, when it runs
in from a corner (the surround beside a sheet fed askew or placed off the glass),
at least a sixth of it with nothing but blank paper in the rest: then trimming
loses no ink. Only long dark runs count towards the 60 %, and a row or column
that also holds dark strokes away from them (text in a band's columns, beyond its
end) is not trimmed. A dark area along the middle of one edge stays in the
picture, where the blank check ignores it (it touches the edge) and OCR sees a
dark area. A dark photograph printed to the very edge of a page looks like a band
and is trimmed as far as it fills most of the page's height.
"""

from __future__ import annotations

import logging
import math

import cv2
import numpy as np

from station.preprocess._analysis import INK_DARKNESS, Analysis, analyse, mm_to_px

log = logging.getLogger(__name__)

#: A pixel belongs to a band when it is darker than this share of the paper level;
#: grey scanner lids (about 60 % of white) count, yellowed paper does not.
_DARK_SHARE = 0.7

#: A row or column is part of a band when this share of it is dark. Text lines reach
#: about a third at most; a tilted page's wedge of surround is trimmed while it
#: covers most of the row.
_BAND_SHARE = 0.6

#: A row or column less dark than ``_BAND_SHARE`` is still part of a band when this
#: share of it is dark from a corner and the rest holds no ink.
_CORNER_BAND_SHARE = 0.15

#: Share of a row that may be dark in short strokes (specks, a frayed edge) away
#: from its long dark runs for it still to count as a band.
_STRAY_SHARE = 0.02

#: Width of a light line the scanner may leave outside the dark surround.
_LEAD_MM = 1.5

#: Extra trim past the end of a band, to take the blurred edge between the band and
#: the paper (JPEG ringing, the shadow of the paper's edge).
_EDGE_MARGIN_MM = 0.5

#: A result keeping less than this share of the width or height means the page is
#: mostly dark (a photograph, a black cover), not bordered: nothing is trimmed.
_MIN_KEPT_SHARE = 0.4


def find_border(gray: np.ndarray, dpi: float) -> tuple[int, int, int, int]:
    """Return ``[x, y, w, h]`` of the page without its dark edge bands, in input pixels.

    Args:
        gray: the page, grey or RGB ``uint8``.
        dpi: its resolution; band margins are defined in millimetres.

    Returns:
        The kept region; the whole page when no band is found.
    """
    page = analyse(gray, dpi)
    box = border_box(page)
    return to_input_box(box, page, gray.shape[1], gray.shape[0])


def border_box(page: Analysis) -> tuple[int, int, int, int]:
    """Return the kept region ``[x, y, w, h]`` in pixels of the reduced page."""
    dark = page.brightest < page.paper * _DARK_SHARE
    height, width = dark.shape
    top, bottom, left, right = 0, height, 0, width
    lead = round(page.px(_LEAD_MM))

    marked = (page.darkness >= INK_DARKNESS) | dark
    reach = math.ceil(page.px(_EDGE_MARGIN_MM)) + 1
    # Sides trimmed to a corner band take no mostly-dark band after it: such a
    # row may be mostly dark only because of the text beside the corner band.
    cornered = {"top": False, "bottom": False, "left": False, "right": False}
    across, across_stray = _long_runs(dark, reach, horizontal=True)
    along, along_stray = _long_runs(dark, reach, horizontal=False)
    for _ in range(3):
        before = (top, bottom, left, right)
        window = (slice(top, bottom), slice(left, right))
        rows, corner = _band_rows(
            dark[window],
            marked[window],
            _mostly_dark(across[window], across_stray[window]),
            lead,
            reach,
        )
        top, bottom = _trim(rows, corner, top, lead, cornered, ("top", "bottom"))
        window = (slice(top, bottom), slice(left, right))
        cols, corner = _band_rows(
            dark[window].T,
            marked[window].T,
            _mostly_dark(along[window].T, along_stray[window].T),
            lead,
            reach,
        )
        left, right = _trim(cols, corner, left, lead, cornered, ("left", "right"))
        if (top, bottom, left, right) == before:
            break

    if (
        bottom - top < _MIN_KEPT_SHARE * height
        or right - left < _MIN_KEPT_SHARE * width
    ):
        log.debug(
            "dark page (%dx%d kept of %dx%d): not trimmed",
            right - left,
            bottom - top,
            width,
            height,
        )
        return (0, 0, width, height)
    return (left, top, right - left, bottom - top)


def to_input_box(
    box: tuple[int, int, int, int], page: Analysis, width: int, height: int
) -> tuple[int, int, int, int]:
    """Scale a box of the reduced page to input pixels, adding the edge margin.

    A side that was not trimmed stays exactly on the page's edge.
    """
    x, y, w, h = box
    small_h, small_w = page.gray.shape
    margin = mm_to_px(_EDGE_MARGIN_MM, page.dpi / page.scale)
    sx, sy = width / small_w, height / small_h

    left = math.ceil(x * sx + margin) if x > 0 else 0
    top = math.ceil(y * sy + margin) if y > 0 else 0
    right = math.floor((x + w) * sx - margin) if x + w < small_w else width
    bottom = math.floor((y + h) * sy - margin) if y + h < small_h else height
    if right <= left or bottom <= top:
        return (0, 0, width, height)
    return (left, top, right - left, bottom - top)


def _band_rows(
    dark: np.ndarray, marked: np.ndarray, mostly: np.ndarray, lead: int, reach: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return per row its share in long dark runs, and if it is a clean corner band.

    A row is a corner band when its dark pixels form one run of at least
    ``_CORNER_BAND_SHARE`` of it from one of its ends (a corner of the page, with
    the rows before it; a light lead of ``lead`` pixels allowed), and neither it
    nor any row within ``reach`` of it holds a marked pixel (ink of any colour, or
    dark) farther than ``reach`` from such a run: the blurred end of the band is
    allowed, a page number in red or pale grey is not, and the margin trimmed past
    a band's end cannot reach ink.
    """
    length = dark.shape[1]
    count = dark.sum(axis=1)
    first = np.argmax(dark, axis=1)
    last = length - 1 - np.argmax(dark[:, ::-1], axis=1)
    run = (count > 0) & (last - first + 1 == count)
    run &= (first <= lead) | (last >= length - 1 - lead)
    index = np.arange(length)
    near_run = (index >= (first - reach)[:, np.newaxis]) & (
        index <= (last + reach)[:, np.newaxis]
    )
    near_run &= run[:, np.newaxis]
    dirty = (marked & ~near_run).any(axis=1).astype(np.uint8)
    near_dirty = cv2.dilate(dirty[:, np.newaxis], np.ones((2 * reach + 1, 1), np.uint8))
    corner = run & (count >= _CORNER_BAND_SHARE * length) & (near_dirty[:, 0] == 0)
    return mostly, corner


def _long_runs(
    dark: np.ndarray, reach: int, horizontal: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Return the long dark runs along rows (or columns), and the dark strokes off them.

    A scanner's surround crosses a row in one long run; the dark strokes of text
    in the same row are short. Both masks are found once per page and sliced as
    the trim narrows the page.
    """
    run = max(3, 4 * reach)
    shape = (1, run) if horizontal else (run, 1)
    spread = (1, 2 * reach + 1) if horizontal else (2 * reach + 1, 1)
    dark8 = dark.astype(np.uint8)
    long = cv2.morphologyEx(dark8, cv2.MORPH_OPEN, np.ones(shape, np.uint8)) > 0
    near = cv2.dilate(long.astype(np.uint8), np.ones(spread, np.uint8)) > 0
    return long, dark & ~near


def _mostly_dark(long: np.ndarray, stray: np.ndarray) -> np.ndarray:
    """Return per row the share of it in long dark runs, 0 where text lies beside.

    A row with more than a few dark strokes away from its long runs (lines of text
    below a dark band, in the band's columns) is not a band at all: trimming it
    would cut the text. Grey fringes, as a scanner's edge line has, are not dark
    and do not count as strokes.
    """
    limit = _STRAY_SHARE * long.shape[1]
    share: np.ndarray = np.where(stray.sum(axis=1) <= limit, long.mean(axis=1), 0.0)
    return share


def _trim(
    share: np.ndarray,
    corner: np.ndarray,
    offset: int,
    lead: int,
    cornered: dict[str, bool],
    sides: tuple[str, str],
) -> tuple[int, int]:
    """Return the first and past-the-last index, plus ``offset``, outside edge bands.

    A band is a run of rows mostly dark (``_BAND_SHARE``), or a run of clean corner
    rows; the two kinds are not joined, and a side once trimmed to a corner band
    (recorded in ``cornered`` under the names in ``sides``) takes only corner
    rows after it. A band may start up to ``lead`` entries in from the edge: some
    scanners leave a light line of a few pixels outside the dark surround.
    """
    dark = share >= _BAND_SHARE
    ends = []
    for side, rows_dark, rows_corner in (
        (sides[0], dark, corner),
        (sides[1], dark[::-1], corner[::-1]),
    ):
        mostly = 0 if cornered[side] else _band_length(rows_dark, lead)
        clean = _band_length(rows_corner, lead)
        cornered[side] = cornered[side] or clean > mostly
        ends.append(max(mostly, clean))
    start, end = ends[0], len(dark) - ends[1]
    if end <= start:
        return offset, offset + len(dark)
    return offset + start, offset + end


def _band_length(dark: np.ndarray, lead: int) -> int:
    """Return how many entries from the start belong to a band (0 when none)."""
    first = np.flatnonzero(dark[: lead + 1])
    if first.size == 0:
        return 0
    light = np.flatnonzero(~dark[first[0] :])
    return int(first[0] + (light[0] if light.size else len(dark) - first[0]))
