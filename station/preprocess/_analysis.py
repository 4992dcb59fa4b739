"""A reduced copy of a page on which borders, skew and blankness are measured.

Measuring at 100-200 dpi (150 dpi for 300 and 600 dpi scans) is four times cheaper
than at 300 dpi and loses nothing these measurements need: a 0.05° tilt still moves
the end of a 17 cm line by almost a pixel. Every measurement is turned back into
input pixels before it is applied.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from station._errors import ImageError

log = logging.getLogger(__name__)

#: Resolution aimed at for the reduced copy; pages are reduced by the whole factor
#: nearest to reaching it, and pages scanned coarser are analysed as they are.
ANALYSIS_DPI = 150.0

#: Highest resolution a page may claim; beyond it the number is an error, not a scan.
MAX_DPI = 4800.0

#: Width of the window over which the paper's local brightness is taken. Wider than
#: any pen stroke or bold heading stroke (about 1.5 mm), narrow enough to follow the
#: shading of a fold or of a book's gutter.
_BACKGROUND_MM = 4.0

#: Pixels at least this much darker than the local paper are ink. Show-through of
#: 8-12 % stays below, pencil at about 200 on paper at about 245 (18 %) above.
INK_DARKNESS = 0.15

#: A local background darker than this share of the page's paper level is a dark
#: object (a seal's centre, a black bar, a photograph), not shading of the paper.
_MIN_BACKGROUND_SHARE = 0.75


def mm_to_px(mm: float, dpi: float) -> float:
    """Convert a length on paper to pixels at ``dpi``."""
    return mm * dpi / 25.4


def check_page(pixels: np.ndarray, dpi: float) -> None:
    """Refuse arrays the cleaner cannot read, with a message saying what was given.

    Raises:
        ImageError: the array is not ``uint8`` grey or RGB, is empty, or ``dpi``
            is not a positive number.
    """
    if pixels.dtype != np.uint8:
        raise ImageError(f"page pixels must be uint8, not {pixels.dtype}")
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ImageError(f"page must be H×W grey or H×W×3 RGB, not {pixels.shape}")
    if min(pixels.shape[:2]) < 8:
        raise ImageError(f"page of {pixels.shape[1]}×{pixels.shape[0]} px is too small")
    if not 0 < dpi <= MAX_DPI:
        raise ImageError(
            f"resolution must be a dpi between 0 and {MAX_DPI:g}, not {dpi!r}"
        )


@dataclass(frozen=True)
class Marks:
    """Connected marks of ink: a label per pixel and, per label, OpenCV's statistics.

    Attributes:
        labels: ``int32`` label image, 0 for paper.
        stats: per label ``[x, y, w, h, area]`` in reduced pixels (row 0 is paper).
    """

    labels: np.ndarray
    stats: np.ndarray


@dataclass(frozen=True)
class Analysis:
    """The reduced page and what is known about its paper.

    Attributes:
        gray: reduced page, darkest channel of each pixel (so red and blue ink are
            as dark as black ink of the same saturation).
        brightest: reduced page, brightest channel of each pixel: dark only where
            the page is dark in every colour, like a scanner's surround, and not
            where it is merely saturated, like a blue sky on a book cover.
        scale: size of the reduced page relative to the input (at most 1).
        dpi: resolution of the reduced page.
        paper: brightness of blank paper on this page, 0-255.
        darkness: per pixel, how much darker than the local paper it is (0 = paper,
            1 = black), in ``float32``.
    """

    gray: np.ndarray
    brightest: np.ndarray
    scale: float
    dpi: float
    paper: float
    darkness: np.ndarray

    def px(self, mm: float) -> float:
        """Convert a length on paper to pixels of the reduced page."""
        return mm_to_px(mm, self.dpi)

    @functools.cached_property
    def marks(self) -> Marks:
        """The connected marks of ink on the page, found once for every measurement."""
        ink = (self.darkness >= INK_DARKNESS).astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        return Marks(labels=labels, stats=stats)

    def region(self, box: tuple[int, int, int, int]) -> Analysis:
        """Return the analysis of a sub-rectangle ``[x, y, w, h]`` of the reduced page.

        The paper level is measured again so that a trimmed black border no longer
        drags it down; the local darkness is kept, as the border never raised it.
        """
        x, y, w, h = box
        rows, cols = slice(y, y + h), slice(x, x + w)
        gray = np.ascontiguousarray(self.gray[rows, cols])
        return Analysis(
            gray=gray,
            brightest=np.ascontiguousarray(self.brightest[rows, cols]),
            scale=self.scale,
            dpi=self.dpi,
            paper=max(1.0, percentile(gray, 0.9)),
            darkness=np.ascontiguousarray(self.darkness[rows, cols]),
        )


def analyse(pixels: np.ndarray, dpi: float) -> Analysis:
    """Reduce a grey or RGB page to about 150 dpi and measure its paper.

    The reduction is by a whole factor (2 at 300 dpi, 4 at 600 dpi, none at 200 dpi),
    which OpenCV averages ten times faster than a fractional one.
    """
    check_page(pixels, dpi)
    # A page too small for the whole reduction (a few pixels claiming thousands of
    # dpi) is reduced only as far as it stays eight pixels on its shorter side.
    factor = max(1, min(round(dpi / ANALYSIS_DPI), min(pixels.shape[:2]) // 8))
    small = pixels
    if factor > 1:
        small = cv2.resize(
            pixels, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA
        )
    if small.ndim == 2:
        gray = brightest = np.ascontiguousarray(small)
    else:
        gray, brightest = darkest_channel(small), _brightest_channel(small)
    return _measure(gray, brightest, 1 / factor, dpi / factor)


def darkest_channel(rgb: np.ndarray) -> np.ndarray:
    """Return the darkest of the three channels of each pixel.

    Red ink is dark in the green and blue channels, blue ink in the red one, so a
    red seal or a blue signature counts as ink as much as black print does, while
    white and grey paper keep their brightness.
    """
    red, green, blue = cv2.split(rgb)
    return cv2.min(cv2.min(red, green), blue)


def _brightest_channel(rgb: np.ndarray) -> np.ndarray:
    red, green, blue = cv2.split(rgb)
    return cv2.max(cv2.max(red, green), blue)


def percentile(gray: np.ndarray, share: float) -> float:
    """Return the grey level below which ``share`` of the pixels lie (uint8 only)."""
    counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    cumulative = np.cumsum(counts)
    return float(np.searchsorted(cumulative, share * cumulative[-1]))


def _measure(
    gray: np.ndarray, brightest: np.ndarray, scale: float, dpi: float
) -> Analysis:
    paper = max(1.0, percentile(gray, 0.9))
    k = max(3, round(mm_to_px(_BACKGROUND_MM, dpi)) | 1)
    # The median drops single bright pixels (paper grain, JPEG ringing) that the
    # maximum would otherwise spread over the whole window.
    bright = cv2.medianBlur(gray, 3)
    background = cv2.dilate(bright, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.blur(background, (k, k)).astype(np.float32)
    np.maximum(background, paper * _MIN_BACKGROUND_SHARE, out=background)
    darkness = 1.0 - gray.astype(np.float32) / background
    np.clip(darkness, 0.0, 1.0, out=darkness)
    return Analysis(
        gray=gray,
        brightest=brightest,
        scale=scale,
        dpi=dpi,
        paper=paper,
        darkness=darkness,
    )
