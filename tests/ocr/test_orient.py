"""The recogniser's opinion on which way up a page is, on real scans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station.ocr import OcrError, TextOrientation, read_orientation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
#: The text block of a Chinese children's book page, 300 dpi colour JPEG.
BOOK_PAGE = FIXTURES / "ocr" / "archive-pdf-tools" / "lanjing_0012_text.jpg"
#: A blank sheet with four short lines of 7 pt English, 300 dpi colour JPEG: the
#: orientation network's hard case.
NEAR_BLANK = FIXTURES / "preprocess" / "naps2" / "notblank.jpg"
#: An 1885 novel page with an illustration, 150 dpi colour JPEG.
NOVEL_PAGE = FIXTURES / "orientation" / "ocrmypdf" / "c02-22.jpg"
BLANK = FIXTURES / "preprocess" / "naps2" / "blank1.jpg"


def _load(path: Path, mode: str = "RGB") -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert(mode))


def _turned(page: np.ndarray, clockwise_deg: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(page, k=-clockwise_deg // 90))


def _undo(clockwise_deg: int) -> int:
    return (360 - clockwise_deg) % 360


def _assert_upright_after(answer: TextOrientation, turned_by: int) -> None:
    assert answer.confident, answer
    assert answer.reason == "ok"
    assert answer.degrees == _undo(turned_by), answer
    assert answer.lines >= 1


@pytest.mark.parametrize("turned_by", [0, 90, 180, 270])
def test_chinese_book_page_is_read_upright_in_every_turn(turned_by: int) -> None:
    page = _turned(_load(BOOK_PAGE), turned_by)

    answer = read_orientation(page, 300)

    _assert_upright_after(answer, turned_by)
    assert answer.confidence > 0.9, "a page of dense print leaves no doubt"


@pytest.mark.parametrize("turned_by", [90, 180])
def test_near_blank_sheet_with_four_small_lines_is_read(turned_by: int) -> None:
    page = _turned(_load(NEAR_BLANK), turned_by)

    answer = read_orientation(page, 300)

    _assert_upright_after(answer, turned_by)


@pytest.mark.parametrize("turned_by", [0, 270])
def test_english_novel_page_at_150_dpi_is_read(turned_by: int) -> None:
    page = _turned(_load(NOVEL_PAGE), turned_by)

    answer = read_orientation(page, 150)

    _assert_upright_after(answer, turned_by)


def test_grey_page_gets_the_same_answer_as_colour() -> None:
    colour = _turned(_load(BOOK_PAGE), 90)
    grey = _turned(_load(BOOK_PAGE, "L"), 90)

    from_colour = read_orientation(colour, 300)
    from_grey = read_orientation(grey, 300)

    assert from_grey.degrees == from_colour.degrees == 270
    assert from_grey.confident


def test_same_page_gets_the_same_answer_twice() -> None:
    page = _turned(_load(NOVEL_PAGE), 180)

    first = read_orientation(page, 150)
    second = read_orientation(page, 150)

    assert (first.degrees, first.confidence, first.lines, first.reason) == (
        second.degrees,
        second.confidence,
        second.lines,
        second.reason,
    )


def test_blank_sheet_has_no_text_and_is_not_turned() -> None:
    answer = read_orientation(_load(BLANK), 300)

    assert answer == TextOrientation(0, 0.0, False, 0, "no text", answer.ms)


def test_unsure_answer_says_so_and_keeps_the_page_as_it_is() -> None:
    page = _turned(_load(NEAR_BLANK), 90)

    answer = read_orientation(page, 300, min_confidence=1.0)

    assert not answer.confident
    assert answer.degrees == 0
    assert answer.reason == "unsure: best 270° over 90°", answer.reason


def test_array_that_is_not_a_page_is_refused() -> None:
    with pytest.raises(OcrError, match="uint8"):
        read_orientation(np.zeros((100, 100), np.float32), 300)


def test_long_thin_strip_has_no_text_and_is_not_blown_up() -> None:
    """Eight pixels tall: DB's least size would make this gigabytes."""
    strip = np.full((8, 400_000), 250, np.uint8)
    strip[2:6, ::7] = 0

    found = read_orientation(strip, 300.0)

    assert (found.degrees, found.confident, found.reason) == (0, False, "no text")
