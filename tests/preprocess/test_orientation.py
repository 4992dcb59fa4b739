"""Page orientation: real scans in every quarter turn, upright Chinese, blank paper.

The shipped network is used as it is: these tests check the model file too, so a
retrained model that loses a case fails here before it reaches a station.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from station._errors import ImageError
from station.preprocess._analysis import analyse
from station.preprocess._orientation import (
    MAX_PATCHES,
    OrientationEstimate,
    _network,
    cut_patches,
    estimate_orientation,
)

from . import pages

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orientation"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SC = 2

#: (file, dpi, language) of upright real scans; see the fixtures' LICENSES.md.
REAL_PAGES = (
    ("mineru_zh/small_ocr-p2.png", 200.0, "chi_sim"),
    ("mineru_zh/small_ocr-p7.png", 200.0, "chi_sim"),
    ("ocrmypdf/epson.png", 300.0, "eng"),
    ("ocrmypdf/c02-22.jpg", 150.0, "eng"),
    ("tesseract-ocr_test/8071_093.3B.tif", 300.0, "eng"),
)


def _upright_lines() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ten Chinese lines and the mixed lines, shared with the evaluation script."""
    text = (FIXTURES / "upright_lines.txt").read_text(encoding="utf-8")
    chinese, mixed = text.strip().split("\n\n")
    return tuple(chinese.splitlines()), tuple(mixed.splitlines())


#: Ten lines of a Chinese judgement, and a page mixing Chinese and English; none
#: of their sentences is in the network's training text.
TEN_LINES, MIXED_LINES = _upright_lines()


@functools.lru_cache(maxsize=8)
def real_page(name: str) -> np.ndarray:
    with Image.open(FIXTURES / name) as image:
        return np.asarray(image.convert("L"))


@functools.lru_cache(maxsize=8)
def drawn_page(lines: tuple[str, ...], pt: float, dpi: float) -> np.ndarray:
    """Draw lines of text on an A4 sheet of grey paper, from the top left margin."""
    size = (round(210 * dpi / 25.4), round(297 * dpi / 25.4))
    image = Image.new("L", size, 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, round(pt * dpi / 72), index=FONT_SC)
    margin = round(25 * dpi / 25.4)
    for i, line in enumerate(lines):
        draw.text((margin, margin + round(i * font.size * 1.8)), line, 20, font)
    return np.asarray(image)


def turned(gray: np.ndarray, clockwise_deg: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(gray, -clockwise_deg // 90))


@pytest.mark.parametrize("turn_deg", [0, 90, 180, 270])
@pytest.mark.parametrize(("name", "dpi", "language"), REAL_PAGES)
def test_every_turn_of_a_real_page_is_detected(
    name: str, dpi: float, language: str, turn_deg: int
) -> None:
    estimate = estimate_orientation(turned(real_page(name), turn_deg), dpi)

    assert estimate.confident, f"{language} page {name} turned {turn_deg}°: {estimate}"
    assert estimate.degrees == (360 - turn_deg) % 360, (
        f"{name} turned {turn_deg}° clockwise must be turned back by "
        f"{(360 - turn_deg) % 360}°, got {estimate}"
    )


@pytest.mark.parametrize("turn_deg", [0, 90, 180, 270])
def test_near_blank_sheet_of_four_small_lines_is_turned_right(turn_deg: int) -> None:
    """A separator sheet: four lines of 7 pt print, faint stripes, nothing else."""
    page = turned(pages.corpus_page("naps2/notblank.jpg"), turn_deg)

    estimate = estimate_orientation(page, 300.0)

    assert (estimate.degrees, estimate.confident) == ((360 - turn_deg) % 360, True), (
        str(estimate)
    )


@pytest.mark.parametrize("dpi", [200.0, 300.0])
def test_upright_chinese_page_of_ten_12pt_lines_is_not_turned(dpi: float) -> None:
    estimate = estimate_orientation(drawn_page(TEN_LINES, 12, dpi), dpi)

    assert estimate.degrees == 0, f"upright Chinese would be turned: {estimate}"
    assert estimate.confident, f"upright Chinese should be recognised: {estimate}"


def test_upright_mixed_chinese_and_english_page_is_not_turned() -> None:
    estimate = estimate_orientation(drawn_page(MIXED_LINES, 11, 300.0), 300.0)

    assert (estimate.degrees, estimate.confident) == (0, True), str(estimate)


def test_chinese_page_upside_down_is_turned_back() -> None:
    page = turned(drawn_page(TEN_LINES, 12, 300.0), 180)

    estimate = estimate_orientation(page, 300.0)

    assert (estimate.degrees, estimate.confident) == (180, True), str(estimate)


def test_page_on_its_side_at_full_resolution_is_detected() -> None:
    """C10: a page turned 90° clockwise at 600 dpi must be turned back by 270°."""
    page = drawn_page(TEN_LINES, 12, 600.0)

    estimate = estimate_orientation(turned(page, 90), 600.0)

    assert (estimate.degrees, estimate.confident) == (270, True), str(estimate)


def test_unsure_answer_is_flagged_and_the_page_left_as_it_is() -> None:
    page = turned(real_page("ocrmypdf/epson.png"), 90)

    estimate = estimate_orientation(page, 300.0, min_confidence=1.01)

    assert not estimate.confident
    assert estimate.degrees == 0, "a page flagged for review must not be turned"
    assert estimate.reason.startswith("unsure"), estimate.reason
    assert estimate.confidence > 0.5, "the network's own answer is still reported"


def test_blank_page_is_not_confident() -> None:
    rng = np.random.default_rng(5)
    paper = np.clip(rng.normal(240, 6, (3508, 2480)), 0, 255).astype(np.uint8)

    estimate = estimate_orientation(paper, 300.0)

    assert estimate == OrientationEstimate(0, 0.0, False, "no text", estimate.ms)


def test_page_with_only_a_few_specks_is_not_confident() -> None:
    page = np.full((3508, 2480), 245, np.uint8)
    for y, x in ((400, 300), (1900, 2000), (3100, 900)):
        page[y : y + 6, x : x + 5] = 30

    estimate = estimate_orientation(page, 300.0)

    assert (estimate.degrees, estimate.confident, estimate.reason) == (
        0,
        False,
        "no text",
    )


def test_rgb_page_is_read_like_its_grey_copy() -> None:
    gray = turned(real_page("mineru_zh/small_ocr-p2.png"), 270)
    rgb = np.repeat(gray[..., np.newaxis], 3, axis=2)

    estimate = estimate_orientation(rgb, 200.0)

    assert (estimate.degrees, estimate.confident) == (90, True), str(estimate)


def test_array_that_is_not_a_page_is_refused() -> None:
    with pytest.raises(ImageError):
        estimate_orientation(np.zeros((100, 100), np.float32), 300.0)


def test_windows_cut_from_the_cleaners_analysis_are_the_same() -> None:
    """The cleaner hands its analysis over; the windows must not change by it."""
    page = real_page("ocrmypdf/epson.png")
    analysis = analyse(page, 300.0)
    given = cut_patches(page, 300.0, page=analysis)
    own = cut_patches(page, 300.0)
    assert len(given.pixels) == MAX_PATCHES
    assert np.array_equal(given.pixels, own.pixels)
    assert given.glyph_px == own.glyph_px > 0


def test_network_is_loaded_once_per_process() -> None:
    assert _network() is _network()


def test_page_of_drawn_shapes_without_text_lines_is_not_turned() -> None:
    """Circles and discs have no right way up; the network must not decide."""
    rng = np.random.default_rng(33)
    page = np.full((3508, 2480), 245, np.uint8)
    for _ in range(2500):
        x, y = (int(v) for v in rng.integers(0, [2480, 3508]))
        cv2.circle(page, (x, y), int(rng.integers(6, 25)), 20, int(rng.integers(-1, 4)))

    estimate = estimate_orientation(page, 300.0)

    assert not estimate.confident, str(estimate)
    assert estimate.degrees == 0


def test_page_without_text_lines_is_left_to_the_second_opinion() -> None:
    """Two handwritten lines join into no text line; the network does not decide."""
    page = pages.corpus_page("ocrmypdf/kcs.png")

    estimate = estimate_orientation(page, 300.0)

    assert (estimate.degrees, estimate.confident) == (0, False)
    assert estimate.reason.startswith("unsure: no text lines"), str(estimate)
    assert len(estimate.support) == 4, "its opinion is still passed on"
