"""Clean one page: trim the border, judge blankness, turn it upright, straighten it.

The steps run in that order on a reduced copy (about 150 dpi): the border first, so
that neither the paper level nor the skew search sees the scanner's surround;
blankness next, so that a blank page is never rotated by an angle read from dust;
then the orientation (a page fed sideways or upside down is turned by a quarter or
half turn when the network is sure; otherwise a slower second opinion may be
asked, and without a sure answer the page is left as it is and flagged); the skew
last, measured inside the kept region. Only the final crop, turn and rotation touch
the full-resolution pixels, once each.

The rotation keeps the page's size, so on a page tilted by more than a few degrees
whatever lies within a few millimetres of the corners is turned out of the picture
(a 7° tilt on A4 loses corner triangles up to about 15 mm deep); text margins are
wider. A grey A4 page at 300 dpi takes about 90 ms on one x86 core and a colour one
about 110 ms, the extra channels weighing on the reduction and the rotation. A
page costs about twice its own size in memory while it is cleaned; the decoder's
pixel limit is what keeps oversize scans (A3 colour at 1200 dpi) out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from station.preprocess._analysis import (
    Analysis,
    analyse,
    darkest_channel,
    percentile,
)
from station.preprocess._blank import BlankVerdict, blank_of
from station.preprocess._border import border_box, to_input_box
from station.preprocess._orientation import (
    DEFAULT_MIN_CONFIDENCE,
    OrientationEstimate,
    estimate_orientation,
)
from station.preprocess._skew import SkewEstimate, skew_of

log = logging.getLogger(__name__)


#: Probability below which the network rules out a turn a second opinion offers.
#: Set by judgement, not measured: on upright vertical Chinese the network gave
#: the quarter turn PP-OCRv4 proposed less than 0.01.
_MIN_NETWORK_SUPPORT = 0.1

#: A second opinion on a page's orientation: given the page (its border trimmed)
#: and its dpi, the clockwise turn that makes it upright, and whether it is sure.
OrientationCheck = Callable[[np.ndarray, float], OrientationEstimate]


@dataclass(frozen=True)
class CleanSettings:
    """What the cleaner does to a page.

    Attributes:
        deskew: straighten tilted text lines.
        crop_border: trim dark bands along the edges.
        detect_blank: judge whether the page is blank.
        max_skew_deg: larger measured tilts are not trusted and not corrected: a
            feeder does not turn paper that far, a diagram or a page turned on
            purpose does.
        min_rotate_deg: smaller tilts are measured but not corrected: below 0.1° a
            17 cm line drifts less than 0.3 mm, thinner than a stroke, while every
            rotation softens the page.
        orient: turn pages fed sideways or upside down upright.
        min_orientation_confidence: below it the page is not turned but flagged.
        orientation_check: a slower second opinion asked only about the pages the
            network is unsure of (the station passes one that reads text lines
            with its OCR engine); its confident answer is taken, otherwise the
            page is flagged. ``None`` flags them straight away.
    """

    deskew: bool = True
    crop_border: bool = True
    detect_blank: bool = True
    max_skew_deg: float = 15.0
    min_rotate_deg: float = 0.1
    orient: bool = True
    min_orientation_confidence: float = DEFAULT_MIN_CONFIDENCE
    orientation_check: OrientationCheck | None = None


@dataclass(frozen=True)
class CleanResult:
    """A cleaned page and what was measured on it.

    Attributes:
        image: the cleaned page, ``uint8``, same channel layout as the input.
        skew_deg: measured tilt, positive when the content is turned
            counter-clockwise; 0.0 when not confident.
        skew_confident: False when the measurement abstained; the page was then
            not rotated. A confident tilt smaller than ``min_rotate_deg`` is
            reported but not corrected either.
        skew_reason: ``"ok"`` or why the measurement abstained.
        crop: ``[x, y, w, h]`` of the kept region in input pixels.
        blank: True when the page carries no significant mark (it is still
            returned; the caller flags it). False when not asked for.
        blank_score: share of the page covered by significant marks; 0.0 when
            blank or not asked for.
        ms: wall time of :func:`clean_page` in milliseconds.
        orientation: clockwise turn (0, 90, 180, 270) applied to make the page
            upright; 0 when the model was unsure.
        orientation_confidence: the confidence, 0 to 1, of whichever decided:
            the network's mean probability, or the second opinion's margin.
        orientation_confident: False when the page was left as fed for review.
        orientation_reason: ``"ok"``, ``"no text"``, ``"unsure: …"``.
        orientation_by: ``"network"``, or ``"check"`` when the second opinion
            decided (it is asked only when the network is unsure); empty when
            orientation was not asked (a blank page, or ``orient`` off).
    """

    image: np.ndarray
    skew_deg: float
    skew_confident: bool
    skew_reason: str
    crop: tuple[int, int, int, int]
    blank: bool
    blank_score: float
    ms: float
    orientation: int = 0
    orientation_confidence: float = 0.0
    orientation_confident: bool = False
    orientation_reason: str = "not asked"
    orientation_by: str = ""


def clean_page(
    pixels: np.ndarray, dpi: float, settings: CleanSettings | None = None
) -> CleanResult:
    """Trim, judge and straighten one page.

    Args:
        pixels: the page as decoded, ``uint8`` grey (H×W) or RGB (H×W×3).
        dpi: its resolution; every size the cleaner uses is defined in millimetres.
        settings: what to do; the defaults do everything.

    Raises:
        ImageError: the array is not a grey or RGB ``uint8`` page.
    """
    start = time.perf_counter()
    settings = settings or CleanSettings()
    page = analyse(pixels, dpi)
    crop, region = _kept_region(page, settings, pixels.shape[1], pixels.shape[0])

    verdict = BlankVerdict(False, 0.0, "not asked")
    if settings.detect_blank:
        verdict = blank_of(region)
    x, y, w, h = crop
    image = pixels[y : y + h, x : x + w]
    turn = OrientationEstimate(0, 0.0, False, "not asked", 0.0)
    decided_by = ""
    if settings.orient and not verdict.blank:
        turn = estimate_orientation(
            image, dpi, settings.min_orientation_confidence, page=region
        )
        decided_by = "network"
        if not turn.confident and settings.orientation_check is not None:
            second = settings.orientation_check(image, dpi)
            log.debug("network unsure (%s); second opinion %s", turn.reason, second)
            if second.confident and _network_allows(turn, second.degrees):
                turn, decided_by = second, "check"
    if turn.confident and turn.degrees:
        image = np.ascontiguousarray(np.rot90(image, k=-turn.degrees // 90))
        region = analyse(image, dpi)
    skew = _measure_skew(region, verdict, settings)

    if skew.confident and abs(skew.angle_deg) >= settings.min_rotate_deg:
        image = rotate(image, skew.angle_deg, _paper_colour(image, dpi))
    elif not (turn.confident and turn.degrees):
        image = image.copy()

    ms = (time.perf_counter() - start) * 1000.0
    log.debug(
        "cleaned: crop %s, skew %.2f° (%s), blank %s (%s), %.0f ms",
        crop,
        skew.angle_deg,
        skew.reason,
        verdict.blank,
        verdict.reason,
        ms,
    )
    return CleanResult(
        image=image,
        skew_deg=skew.angle_deg,
        skew_confident=skew.confident,
        skew_reason=skew.reason,
        crop=crop,
        blank=verdict.blank,
        blank_score=verdict.score,
        ms=ms,
        orientation=turn.degrees if turn.confident else 0,
        orientation_confidence=turn.confidence,
        orientation_confident=turn.confident,
        orientation_reason=turn.reason,
        orientation_by=decided_by,
    )


def _network_allows(turn: OrientationEstimate, degrees: int) -> bool:
    """Tell whether the network gives a second opinion's answer any support.

    PP-OCRv4 reads upright Chinese set in vertical columns as horizontal text
    turned a quarter, and is sure of it; the network, which judges the characters
    themselves, then gives that quarter turn almost nothing, and the page stays
    flagged rather than turned wrongly. When the network read nothing (too few
    marks), only a half turn is taken from the second opinion: a lone vertical
    title would otherwise be turned on its side.
    """
    if not turn.support:
        return degrees in (0, 180)
    return turn.support[degrees // 90] >= _MIN_NETWORK_SUPPORT


def rotate(pixels: np.ndarray, skew_deg: float, fill: tuple[int, ...]) -> np.ndarray:
    """Turn a page clockwise by ``skew_deg`` about its centre, keeping its size.

    The corners brought in from outside are filled with the paper's colour, so that
    neither the blank check nor the OCR sees a black wedge.
    """
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D(
        ((width - 1) / 2, (height - 1) / 2), -skew_deg, 1.0
    )
    return cv2.warpAffine(
        pixels,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )


def _kept_region(
    page: Analysis, settings: CleanSettings, width: int, height: int
) -> tuple[tuple[int, int, int, int], Analysis]:
    """Return the region kept after trimming, in input pixels, and its analysis."""
    whole = (0, 0, width, height)
    if not settings.crop_border:
        return whole, page
    box = border_box(page)
    if box == (0, 0, page.gray.shape[1], page.gray.shape[0]):
        return whole, page
    return to_input_box(box, page, width, height), page.region(box)


def _measure_skew(
    region: Analysis, verdict: BlankVerdict, settings: CleanSettings
) -> SkewEstimate:
    if not settings.deskew:
        return SkewEstimate(0.0, False, 0.0, "not asked")
    if verdict.blank:
        return SkewEstimate(0.0, False, 0.0, "no text lines")
    return skew_of(region, settings.max_skew_deg)


def _paper_colour(image: np.ndarray, dpi: float) -> tuple[int, ...]:
    """Return the colour of blank paper on this page, per channel.

    Taken as the median of the lightest tenth of a 50 dpi sample, which is paper on
    any page that is not almost entirely covered.
    """
    step = max(1, round(dpi / 50))
    sample = np.ascontiguousarray(image[::step, ::step])
    lightness = sample if sample.ndim == 2 else darkest_channel(sample)
    paper = sample[lightness >= percentile(lightness, 0.9)]
    if paper.ndim == 1:
        return (int(np.median(paper)),)
    return tuple(int(v) for v in np.median(paper, axis=0))
