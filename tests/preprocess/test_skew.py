"""Skew: the sign convention, accuracy on real pages, and abstaining when unsure."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from station.preprocess import clean_page, estimate_skew
from station.preprocess._skew import normalise_angle

from . import pages

# Pages whose own tilt the corpus measured to ±0.04° (manifest, skew_deg_measured),
# with the resolution they are analysed at.
MEASURED = {
    "ocrmypdf/epson.png": (300.0, -0.20),
    "mineru_zh/small_ocr-p6.png": (300.0, -0.30),
    "deskew/deskew-1.png": (300.0, 1.40),
}


@pytest.mark.parametrize("angle", [3.0, -3.0])
def test_counter_clockwise_rotation_reads_as_positive_angle(angle):
    turned = pages.rotate(pages.text_page(), angle)

    skew = estimate_skew(turned, 300)

    assert skew.confident, skew.reason
    assert skew.angle_deg == pytest.approx(angle, abs=0.1), (
        "cv2.getRotationMatrix2D with a positive angle turns content "
        "counter-clockwise, which must read as a positive skew"
    )


@pytest.mark.parametrize("name", sorted(MEASURED))
@pytest.mark.parametrize("angle", [0.5, -0.5, 2.0, -2.0, 7.0, -7.0])
def test_rotated_real_page_is_measured_within_a_tenth_of_a_degree(name, angle):
    dpi, own = MEASURED[name]
    turned = pages.rotate(pages.corpus_page(name), angle, fill=255)

    skew = estimate_skew(turned, dpi)

    assert skew.confident, skew.reason
    assert abs(skew.angle_deg - (own + angle)) <= 0.1


@pytest.mark.parametrize(
    ("name", "documented", "measured"),
    [("deskew/deskew-1.png", 1.0, 1.40), ("deskew/deskew-5.png", -3.0, -3.42)],
)
def test_documented_angle_of_real_page_is_found(name, documented, measured):
    """Upstream documents its own tool's answer, which comes in whole degrees."""
    skew = estimate_skew(pages.corpus_page(name), 300)

    assert skew.confident, skew.reason
    assert abs(skew.angle_deg - measured) <= 0.1
    assert abs(skew.angle_deg - documented) <= 0.5, "rounds to the documented degree"


def test_red_sealed_chinese_form_is_measured_in_colour():
    form = pages.corpus_page("tablestructurerec_zh/squeeze_error.jpeg", "RGB")

    skew = estimate_skew(form, 200)

    assert skew.confident, skew.reason
    assert skew.angle_deg == pytest.approx(2.19, abs=0.1)


def test_nearly_straight_two_column_page_is_not_turned():
    dense = pages.rotate(pages.text_page(columns=2, size_pt=10.5), 0.02)

    result = clean_page(dense, 300)

    assert abs(result.skew_deg) < 0.1, "a 0.02° page must not be amplified"


def test_two_column_page_at_half_a_degree_is_corrected():
    dense = pages.rotate(pages.text_page(columns=2, size_pt=10.5), 0.5)

    result = clean_page(dense, 300)
    after = estimate_skew(result.image, 300)

    assert result.skew_confident
    assert result.skew_deg == pytest.approx(0.5, abs=0.05)
    assert abs(after.angle_deg) < 0.1


def test_show_through_at_another_angle_does_not_pull_the_front_text():
    """The back's mirrored text, 12 % dark and turned -1.5°, under a front at 1°."""
    front = pages.rotate(pages.text_page(), 1.0).astype(np.float32)
    ghost = pages.rotate(pages.show_through_page(300, 0.12), -1.5)
    page = np.clip(front * ghost / pages.PAPER, 0, 255).astype(np.uint8)

    skew = estimate_skew(page, 300)

    assert skew.confident
    assert skew.angle_deg == pytest.approx(1.0, abs=0.05)


def test_blank_page_abstains_from_skew():
    skew = estimate_skew(pages.specks_page(), 300)

    assert not skew.confident
    assert skew.angle_deg == 0.0
    assert skew.reason == "no text lines"


def test_tilt_beyond_the_limit_is_not_trusted():
    turned = pages.rotate(pages.text_page(), 20.0)

    assert not estimate_skew(turned, 300, max_deg=15.0).confident
    assert estimate_skew(turned, 300, max_deg=25.0).angle_deg == pytest.approx(
        20.0, abs=0.1
    )


def test_table_turned_inside_a_straight_frame_is_never_read_as_straight():
    """C08: the frame and the barcode lie at 0°, the table at 2°."""
    skew = estimate_skew(pages.lying_frame_page(angle_deg=2.0), 300)

    if skew.confident:
        assert skew.angle_deg == pytest.approx(2.0, abs=0.15)
    else:
        assert skew.angle_deg == 0.0, "an unsure answer must not rotate"


def test_page_whose_halves_lie_at_different_angles_is_not_rotated():
    """Two slips glued on one sheet: the upper straight, the lower turned 3°."""
    straight = pages.text_page()
    page = np.array(straight)
    middle = page.shape[0] // 2
    page[middle:] = pages.rotate(straight, 3.0)[middle:]

    skew = estimate_skew(page, 300)

    assert not skew.confident
    assert skew.reason == "ambiguous"


@pytest.mark.parametrize("angle", [0.0, 3.0, -3.0, 44.0, -44.0, 46.0, -46.0])
@pytest.mark.parametrize("size_mm", [(120, 80), (80, 120)])
def test_rectangle_angle_from_opencv_is_folded_into_a_quarter_turn(angle, size_mm):
    """C09: whatever convention minAreaRect follows, the angle lands in (-45, 45]."""
    half = np.array(size_mm, dtype=np.float64) / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    a = np.deg2rad(angle)
    # Counter-clockwise on screen, where y points down.
    turn = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    points = (corners @ turn.T + 500.0).astype(np.float32)
    (_, _), (_, _), raw = cv2.minAreaRect(points)

    folded = normalise_angle(-raw)

    assert -45.0 < folded <= 45.0
    assert folded == pytest.approx(normalise_angle(angle), abs=0.01)


@pytest.mark.parametrize("angle", [45.0, -45.0, 90.0, 135.0, -134.0, 0.0, 89.5])
def test_normalised_angle_lies_in_half_open_quarter_turn(angle):
    folded = normalise_angle(angle)

    assert -45.0 < folded <= 45.0
    assert (angle - folded) % 90.0 == pytest.approx(0.0, abs=1e-9) or (
        (angle - folded) % 90.0 == pytest.approx(90.0, abs=1e-9)
    )
