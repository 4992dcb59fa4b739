"""clean_page: the contract other subsystems rely on."""

from __future__ import annotations

import numpy as np
import pytest

from station._errors import ImageError
from station._worker import check_orientation_by_text
from station.preprocess import CleanSettings, clean_page, estimate_skew

from . import pages


def _red_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(np.count_nonzero((r > 150) & (r - g > 60) & (r - b > 60)))


def test_colour_page_stays_colour_and_is_straightened():
    form = pages.corpus_page("tablestructurerec_zh/squeeze_error.jpeg", "RGB")

    result = clean_page(form, 200)

    assert result.image.dtype == np.uint8
    assert result.image.ndim == 3 and result.image.shape[2] == 3
    assert _red_pixels(result.image) >= 0.9 * _red_pixels(form), "seals stay red"
    assert result.skew_deg == pytest.approx(2.19, abs=0.1)
    assert abs(estimate_skew(result.image, 200).angle_deg) < 0.1


def test_grey_page_stays_grey_and_keeps_its_size_when_not_cropped():
    page = pages.corpus_page("ocrmypdf/epson.png")

    result = clean_page(page, 300)

    assert result.image.ndim == 2
    assert result.image.shape == page.shape
    assert result.crop == (0, 0, page.shape[1], page.shape[0])
    assert result.skew_deg == pytest.approx(-0.20, abs=0.05)
    assert result.ms > 0


def test_output_has_the_size_of_the_crop():
    page = pages.corpus_page("tesseract-ocr_test/8071_093.3B.tif")

    result = clean_page(page, 300)

    _, _, w, h = result.crop
    assert result.image.shape == (h, w)


def test_rotation_fills_corners_with_paper_not_black():
    page = pages.rotate(pages.text_page(), 5.0)

    result = clean_page(page, 300)

    corners = [result.image[:5, :5], result.image[-5:, -5:]]
    assert all(corner.min() > 200 for corner in corners)


def test_result_does_not_share_memory_with_the_input():
    page = np.array(pages.text_page())

    result = clean_page(page, 300, CleanSettings(deskew=False, crop_border=False))

    assert not np.shares_memory(result.image, page)
    assert result.skew_reason == "not asked"
    assert not result.skew_confident


def test_small_angle_is_measured_but_not_applied():
    page = pages.rotate(pages.text_page(), 0.05)

    result = clean_page(page, 300)

    assert result.skew_confident
    assert abs(result.skew_deg) < 0.1
    assert np.array_equal(result.image, page), "below min_rotate_deg nothing moves"


def test_a4_colour_at_600_dpi_is_processed():
    """C14 (b): 4961 × 7016 × 3, analysed at 150 dpi."""
    grey = pages.rotate(pages.text_page(), 1.0)
    big = np.repeat(np.repeat(grey, 2, axis=0), 2, axis=1)
    rgb = np.dstack([big, big, np.minimum(big, 240)])

    result = clean_page(rgb, 600)

    assert result.image.shape == rgb.shape
    assert result.skew_deg == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((100, 100), np.float32),
        np.zeros((100, 100, 4), np.uint8),
        np.zeros((4, 100), np.uint8),
    ],
)
def test_unusable_arrays_are_refused_with_an_image_error(pixels):
    with pytest.raises(ImageError):
        clean_page(pixels, 300)


def test_resolution_must_be_positive():
    with pytest.raises(ImageError):
        clean_page(np.full((100, 100), 255, np.uint8), 0)


def test_page_the_network_is_unsure_of_is_turned_by_the_text_check():
    """The network's doubt is forced; the real PP-OCRv4 check then decides."""
    page = np.ascontiguousarray(np.rot90(pages.corpus_page("naps2/notblank.jpg"), -1))
    settings = CleanSettings(
        min_orientation_confidence=1.01, orientation_check=check_orientation_by_text
    )

    result = clean_page(page, 300, settings)

    assert (result.orientation, result.orientation_by) == (270, "check")
    assert result.orientation_confident
    assert result.image.shape[:2] == (page.shape[1], page.shape[0])


def test_without_a_check_an_unsure_page_is_left_as_fed_and_flagged():
    page = np.ascontiguousarray(np.rot90(pages.corpus_page("naps2/notblank.jpg"), -1))

    result = clean_page(page, 300, CleanSettings(min_orientation_confidence=1.01))

    assert (result.orientation, result.orientation_confident) == (0, False)
    assert result.orientation_by == "network"
    assert result.orientation_reason.startswith("unsure")
    assert result.image.shape[:2] == page.shape[:2]


def test_an_unsure_check_leaves_the_page_flagged():
    """A page of specks: neither the network nor the text check can tell."""
    page = np.full((3508, 2480), 245, np.uint8)
    page[1700:1760, 1200:1230] = 30
    page[400:430, 300:340] = 40
    settings = CleanSettings(orientation_check=check_orientation_by_text)

    result = clean_page(page, 300, settings)

    assert not result.blank, "two marks of ink are content"
    assert (result.orientation, result.orientation_confident) == (0, False)
    assert (result.orientation_reason, result.orientation_by) == ("no text", "network")
    assert result.image.shape == page.shape


def test_lone_vertical_title_upside_down_is_not_turned_sideways_by_the_check():
    """PP-OCRv4 reads a vertical column as a sideways line; that must not win."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (2480, 3508), 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 117, index=2
    )
    for k, char in enumerate("本院受理原告王某诉被告"):
        draw.text((2068, 295 + k * 129), char, 20, font)
    page = np.ascontiguousarray(np.asarray(image)[::-1, ::-1])
    settings = CleanSettings(orientation_check=check_orientation_by_text)

    result = clean_page(page, 300, settings)

    assert result.orientation in (0, 180), "never a quarter turn"
    assert result.orientation == 180 or not result.orientation_confident


def test_blank_page_is_not_judged_for_orientation_by_anyone():
    page = np.full((3508, 2480), 245, np.uint8)
    settings = CleanSettings(orientation_check=check_orientation_by_text)

    result = clean_page(page, 300, settings)

    assert result.blank
    assert (result.orientation_reason, result.orientation_by) == ("not asked", "")
