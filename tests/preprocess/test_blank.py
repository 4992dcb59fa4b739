"""Blank pages: almost empty is not empty, paper and scanner noise is."""

from __future__ import annotations

import numpy as np
import pytest

from station.preprocess import clean_page, is_blank

from . import pages

DPIS = [150, 300, 600]


@pytest.mark.parametrize("dpi", DPIS)
def test_lone_page_number_is_content(dpi):
    """C01a."""
    verdict = is_blank(pages.page_number_page(dpi), dpi)

    assert not verdict.blank, verdict.reason
    assert verdict.score > 0


@pytest.mark.parametrize("dpi", DPIS)
def test_faint_pencil_signature_page_is_not_blank(dpi):
    """C01b: grey about 200 on paper about 245."""
    verdict = is_blank(pages.pencil_signature_page(dpi), dpi)

    assert not verdict.blank, verdict.reason


@pytest.mark.parametrize("dpi", DPIS)
def test_punch_holes_and_staple_shadow_alone_are_blank(dpi):
    """C01c."""
    verdict = is_blank(pages.punched_page(dpi), dpi)

    assert verdict.blank, verdict.reason
    assert verdict.score == 0.0


@pytest.mark.parametrize("dpi", DPIS)
def test_recycled_paper_grain_is_blank(dpi):
    """C01d."""
    assert is_blank(pages.recycled_page(dpi), dpi).blank


def test_one_handwritten_line_in_blue_is_not_blank():
    verdict = is_blank(pages.handwritten_line_page(), 300)

    assert not verdict.blank, verdict.reason


@pytest.mark.parametrize("dpi", [150, 300])
@pytest.mark.parametrize("contrast", [0.08, 0.12])
def test_show_through_of_the_other_side_is_blank(dpi, contrast):
    """C02: a mirrored, blurred ghost of the front at 8-12 % contrast."""
    back = pages.show_through_page(float(dpi), contrast)
    assert pages.PAPER - back.min() > 10, "the ghost must be visible in the fixture"

    result = clean_page(back, dpi)

    assert result.blank
    assert not result.skew_confident
    assert result.image.shape == back.shape, "a blank page is returned, not dropped"


def test_batch_with_a_specked_and_a_white_page_runs_through():
    """C03: pages 6 (dust specks) and 7 (white) of ten are blank, skew skipped."""
    text = pages.text_page()
    white = np.full_like(text, pages.PAPER)
    batch = [pages.rotate(text, 0.3 * i) for i in range(1, 6)]
    batch += [pages.specks_page(), white]
    batch += [pages.rotate(text, -0.3 * i) for i in range(1, 4)]

    results = [clean_page(page, 300) for page in batch]

    for number, result in enumerate(results, start=1):
        if number in (6, 7):
            assert result.blank, f"page {number}"
            assert not result.skew_confident
            assert result.skew_reason == "no text lines"
        else:
            assert not result.blank, f"page {number}"
            assert result.skew_confident, f"page {number}: {result.skew_reason}"


def test_red_seal_alone_on_colour_page_is_not_blank():
    verdict = is_blank(pages.seal_page(), 300)

    assert not verdict.blank, "red on white is ink"


def test_small_solid_red_seal_in_the_margin_is_not_a_punch_hole():
    page = pages.small_seal_in_margin_page()
    grey = page.min(axis=2)

    assert not is_blank(page, 300).blank
    assert (grey[1700:1840, 120:210] < 120).mean() > 0.5, "shaped like a hole"


@pytest.mark.parametrize(
    "name", ["naps2/notblank.jpg", "ocrmypdf/kcs.png", "ocrmypdf/epson.png"]
)
def test_real_pages_with_little_content_are_not_blank(name):
    """notblank: four short lines; kcs: two handwritten lines."""
    assert not is_blank(pages.corpus_page(name), 300).blank


@pytest.mark.parametrize("name", ["naps2/blank1.jpg", "scan-to-paperless/empty.png"])
def test_real_blank_scans_are_blank(name):
    """blank1: sensor streaks and corner marks; empty: dust and an edge line."""
    page = pages.corpus_page(name, "RGB")

    assert clean_page(page, 300).blank


def test_white_page_scores_zero():
    verdict = is_blank(np.full((1754, 1240), 250, np.uint8), 150)

    assert verdict.blank
    assert verdict.score == 0.0
