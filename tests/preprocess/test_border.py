"""Border: dark bands along the edges go, page content never does."""

from __future__ import annotations

import numpy as np
import pytest

from station.preprocess import CleanSettings, clean_page, find_border

from . import pages


def _inside(box, crop) -> bool:
    x0, y0, x1, y1 = box
    cx, cy, cw, ch = crop
    return cx <= x0 and cy <= y0 and x1 <= cx + cw and y1 <= cy + ch


def test_black_bands_of_real_scan_are_cropped():
    page = pages.corpus_page("tesseract-ocr_test/8071_093.3B.tif")
    height, width = page.shape

    x, y, w, h = find_border(page, 300)

    assert 288 <= height - (y + h) <= 288 + 30, "bottom band of about 288 px"
    assert 52 <= width - (x + w) <= 52 + 30, "right band of about 52 px"
    assert x == 0, "the left edge has no band"
    kept = page[y : y + h, x : x + w]
    assert (kept[-3:] < 128).mean() < 0.5, "no band left along the bottom"
    assert (kept[:, -3:] < 128).mean() < 0.5, "no band left along the right"


@pytest.mark.parametrize("dpi", [300, 600])
def test_frame_around_three_words_is_removed_and_every_word_kept(dpi):
    """C04: a 5 mm black frame, one line of three words at mid-height."""
    plain, words = pages.words_page(dpi, ("原告", "被告", "第三人"))
    page = pages.framed(plain, dpi, 5.0)

    result = clean_page(page, dpi)

    x, y, w, h = result.crop
    frame = pages.px(5.0, dpi)
    for side in (x, y, page.shape[1] - x - w, page.shape[0] - y - h):
        assert frame <= side <= frame + pages.px(1.5, dpi), result.crop
    for word in words:
        assert _inside(word, result.crop), f"word {word} cut by {result.crop}"
    assert not result.blank
    kept_ink = np.count_nonzero(result.image < 128)
    assert kept_ink == pytest.approx(np.count_nonzero(plain < 128), rel=0.02)


def test_page_number_column_far_from_the_entries_is_kept():
    """C05: numbers right-aligned 5 cm from the entries, no dot leaders."""
    page, numbers = pages.toc_page(300)

    result = clean_page(page, 300)

    assert result.crop == (0, 0, page.shape[1], page.shape[0])
    assert _inside(numbers, result.crop)
    assert not result.blank


def test_black_bars_printed_on_the_page_are_content():
    """Patch-T separator: thick bars near the edges are printed, not a border."""
    page = pages.corpus_page("naps2/patcht.jpg")
    height, width = page.shape

    _, _, w, h = find_border(page, 300)

    assert w >= width - pages.px(2.0, 300)
    assert h >= height - pages.px(2.0, 300)


def _corner_block(page: np.ndarray, top: int, width_mm: float, height_share: float):
    """Paint a dark block down the left edge from row ``top``, a share of the height."""
    out = page.copy()
    out[top : top + round(page.shape[0] * height_share), : pages.px(width_mm, 300)] = 10
    return out


def test_surround_running_in_from_a_corner_is_trimmed_and_every_word_kept():
    """A sheet placed off the glass: dark surround down 45 % of the left edge."""
    plain, words = pages.words_page(300, ("原告", "被告", "第三人"))
    page = _corner_block(plain, 0, 15.0, 0.45)

    x, y, w, h = find_border(page, 300)

    assert pages.px(15.0, 300) <= x <= pages.px(16.5, 300), (x, y, w, h)
    assert (y, y + h, x + w) == (0, page.shape[0], page.shape[1])
    for word in words:
        assert _inside(word, (x, y, w, h))


def test_dark_block_along_the_middle_of_an_edge_is_kept():
    """Not from a corner: a picture or a shadow, never trimmed as a band."""
    plain, _ = pages.words_page(300, ("原告",))
    page = _corner_block(plain, 900, 15.0, 0.45)

    assert find_border(page, 300) == (0, 0, page.shape[1], page.shape[0])


def test_corner_block_is_kept_where_its_columns_hold_ink():
    """Trimming the whole block would cut the mark printed below it, 4-12 mm in."""
    plain, _ = pages.words_page(300, ("原告",))
    page = _corner_block(plain, 0, 15.0, 0.45)
    page[3000:3040, pages.px(4, 300) : pages.px(12, 300)] = 30

    x, _, _, _ = find_border(page, 300)

    assert x <= pages.px(4, 300), "only the block's columns left of the mark may go"


def test_page_without_border_is_not_cropped():
    page = pages.corpus_page("ocrmypdf/epson.png")

    assert find_border(page, 300) == (0, 0, page.shape[1], page.shape[0])


def test_thin_dark_line_along_the_top_is_trimmed_narrowly():
    page = pages.corpus_page("scan-to-paperless/empty.png")

    x, y, w, _ = find_border(page, 300)

    assert 0 < y <= pages.px(2.0, 300)
    assert (x, w) == (0, page.shape[1])


def test_tilted_blank_paper_in_grey_border_gives_the_same_answer_at_any_limit():
    """C07: no text, paper tilted 0.5° in a grey border: no rotation, blank."""
    page = pages.tilted_blank_in_border(300, 0.5)

    results = [
        clean_page(page, 300, CleanSettings(max_skew_deg=limit))
        for limit in (5.0, 15.0, 45.0)
    ]

    for result in results:
        assert result.blank
        assert not result.skew_confident
        assert result.skew_deg == 0.0
        assert result.crop == results[0].crop
    x, y, w, h = results[0].crop
    assert x > 0 and y > 0 and w < page.shape[1] and h < page.shape[0]


def test_saturated_colour_along_an_edge_is_not_a_border():
    """A full-bleed blue or red illustration is dark in one channel only."""
    page = np.full((1754, 1240, 3), 245, np.uint8)
    page[:, :150] = (30, 70, 190)
    page[:200, :] = (200, 40, 40)

    assert find_border(page, 150) == (0, 0, 1240, 1754)


def test_neutral_dark_surround_of_a_colour_scan_is_cropped():
    page = np.full((1754, 1240, 3), 245, np.uint8)
    page[:, :90] = (25, 25, 28)

    x, y, w, h = find_border(page, 150)

    assert 90 <= x <= 90 + pages.px(1.0, 150)
    assert (y, x + w, h) == (0, 1240, 1754)


def test_pale_or_coloured_mark_in_the_rows_of_a_corner_band_is_kept():
    """A blue page number at the top right, in the rows of a top-left corner band."""
    page = np.full((3508, 2480, 3), 245, np.uint8)
    for row in range(900, 3200, 80):
        page[row : row + 30, 250:2200] = 20
    page[:300, :800] = 40
    page[140:162, 2250:2254] = (0, 0, 200)  # a thin "1" ...
    page[140:162, 2270:2274] = (0, 0, 200)  # ... and "1"

    x, y, w, h = find_border(page, 300)

    kept = page[y : y + h, x : x + w]
    blue = (kept[..., 2] == 200) & (kept[..., 0] == 0)
    assert blue.sum() == 2 * 22 * 4, (x, y, w, h)


def test_text_below_a_corner_band_is_not_joined_to_it():
    """The band and the first letters' stems below it together fill 60 % of a column."""
    page = np.full((3508, 2480), 245, np.uint8)
    page[:1500, :700] = 30
    for row in range(100, 1500, 60):
        page[row - 25 : row, 850:2000] = 20
    clean = page.copy()
    for row in range(1800, 1800 + 30 * 55, 55):
        page[row - 30 : row, 300:306] = 20
        page[row - 30 : row, 330:2000:40] = 20

    x, _, _, _ = find_border(page, 300)

    text = (page != clean)[:, :x]
    assert x <= 300 and not text.any(), x


def test_text_below_a_tall_band_in_its_columns_is_kept():
    """A band down 68 % of the left edge; lines of text below it start 8 mm in."""
    page = np.full((3508, 2480), 245, np.uint8)
    page[:2400, : pages.px(25.0, 300)] = 30
    for row in range(2500, 3400, 60):
        for x in range(pages.px(8.0, 300), 2000, 36):
            page[row - 28 : row, x : x + 5] = 20
            page[row - 6 : row, x : x + 20] = 20

    x, _, _, _ = find_border(page, 300)

    # Only the band's own columns go; the 0.5 mm margin trimmed past its end may
    # graze the first strokes, never more.
    assert x <= pages.px(8.5, 300) + 1, f"trimmed to x={x}, into the text"
