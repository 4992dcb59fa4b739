"""Both engines on real and rendered Chinese pages, as the station reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from station.ocr import (
    EngineChoice,
    OcrError,
    TesseractEngine,
    choose_engine,
    engine_for,
)
from station.ocr._rapid import RapidEngine
from tests.ocr.court_pages import (
    SC_FACE,
    SERIF,
    court_page,
    heading_page,
    pt_to_px,
    small_print_page,
    text_strip,
)
from tests.ocr.measure import cer, contains

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ocr"
BOOK_PAGE = FIXTURES / "archive-pdf-tools" / "lanjing_0012_text.jpg"
BOOK_TRUTH = FIXTURES / "archive-pdf-tools" / "lanjing_0012_text.gt.txt"
SENTENCE = "申请执行人于2026年3月15日向本院申请强制执行，本院依法冻结被执行人存款。"
CASE = "（2026）豫1330执1234号"


@pytest.fixture(scope="module")
def rapid() -> RapidEngine:
    engine = engine_for("chi_sim+eng")
    assert isinstance(engine, RapidEngine)
    return engine


def _rate(truth: str, read: str) -> float:
    errors, length = cer(truth, read)
    return errors / length


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


def test_known_court_sentence_is_read_within_one_percent(rapid: RapidEngine) -> None:
    strip = text_strip((SENTENCE,), seed=3)
    result = rapid.recognise(_pixels(strip.image), strip.dpi)
    assert _rate(SENTENCE, result.text) <= 0.01, result.text
    [line] = result.lines
    assert line.confidence > 90
    assert line.words and line.words[0].box.x0 >= line.box.x0


def test_case_number_and_amount_are_read_exactly(rapid: RapidEngine) -> None:
    lines = (CASE, "执行标的人民币125,000.00元", "联系电话0377-6612345")
    strip = text_strip(lines, serif=False, seed=4)
    text = rapid.recognise(_pixels(strip.image), strip.dpi).text
    for expected in lines:
        assert contains(text, expected), f"{expected!r} not read exactly in {text!r}"


def test_red_seal_over_a_date_is_ignored_and_the_date_read(rapid: RapidEngine) -> None:
    lines = ("审判员　某某某", "二〇二六年三月十五日", "书记员　某某某")
    strip = text_strip(lines, size_pt=14, seal_over=1, seed=5)
    text = rapid.recognise(_pixels(strip.image), strip.dpi).text
    assert "二〇二六年三月十五日" in text.replace(" ", "")
    assert "专用章" not in text and "人民法院" not in text, f"seal text read: {text!r}"


def test_small_print_at_200_dpi_and_a_28_pt_heading_are_read(
    rapid: RapidEngine,
) -> None:
    for page in (small_print_page(dpi=200), heading_page()):
        text = rapid.recognise(_pixels(page.image), page.dpi).text
        assert _rate(page.text, text) <= 0.02, f"{page.name}: {text!r}"


def test_court_page_with_seal_table_and_show_through_is_read(
    rapid: RapidEngine,
) -> None:
    page = court_page(7)
    text = rapid.recognise(_pixels(page.image), page.dpi).text
    assert _rate(page.text, text) <= 0.015, text
    assert contains(text, page.case_number)


def test_real_book_page_beats_tesseract(rapid: RapidEngine) -> None:
    """A real 300 dpi scan with show-through; the transcription is the reference."""
    truth = BOOK_TRUTH.read_text("utf-8")
    pixels = np.asarray(Image.open(BOOK_PAGE).convert("RGB"))
    ours = _rate(truth, rapid.recognise(pixels, 300).text)
    theirs = _rate(truth, TesseractEngine("chi_sim").recognise(pixels, 300).text)
    assert ours <= 0.06
    assert ours < theirs / 2, f"PP-OCR {ours:.3f} vs Tesseract {theirs:.3f}"


def test_tesseract_engine_gives_lines_without_spaces_between_chinese() -> None:
    strip = text_strip((SENTENCE,), seed=6)
    result = TesseractEngine("chi_sim").recognise(_pixels(strip.image), strip.dpi)
    assert _rate(SENTENCE, result.text) <= 0.15, result.text
    assert "执行" in result.text
    assert all(word.confidence >= 0 for line in result.lines for word in line.words)


def test_receipt_strip_of_one_line_is_read(rapid: RapidEngine) -> None:
    """C15: a 2996 x 262 strip is neither refused nor shrunk until illegible."""
    strip = Image.new("L", (2996, 262), 250)
    font = _sans(70)
    ImageDraw.Draw(strip).text(
        (60, 90), "收款金额人民币3,280.00元 编号20260315", font=font, fill=10
    )
    text = rapid.recognise(np.asarray(strip), 300).text
    assert contains(text, "收款金额人民币3,280.00元"), text
    assert contains(text, "20260315"), text


def test_long_scan_is_read_in_bands_without_losing_or_doubling_lines(
    rapid: RapidEngine,
) -> None:
    """C15: a 2480 x 40000 scan; lines sit on and between the band boundaries."""
    page = Image.new("L", (2480, 40000), 250)
    draw = ImageDraw.Draw(page)
    font = _sans(60)
    ys = [300, 3700, 3650 + 900, 12000, 21000, 33000, 39800]
    expected = [f"第{k + 1}行执行款到账{1000 + k}元" for k in range(len(ys))]
    for y, text in zip(ys, expected, strict=True):
        draw.text((200, y - 60), text, font=font, fill=10)
    result = rapid.recognise(np.asarray(page), 300)
    read = [line.text for line in result.lines]
    assert read == expected, read


def test_auto_picks_pp_ocr_for_chinese_and_tesseract_otherwise() -> None:
    assert choose_engine("chi_sim+eng") is EngineChoice.RAPIDOCR
    assert choose_engine("chi_sim") is EngineChoice.RAPIDOCR
    assert choose_engine("eng") is EngineChoice.TESSERACT
    assert choose_engine("fra") is EngineChoice.TESSERACT
    assert choose_engine("chi_sim+deu") is EngineChoice.TESSERACT
    assert choose_engine("chi_sim", "tesseract") is EngineChoice.TESSERACT
    with pytest.raises(OcrError, match=r"ocr\.engine"):
        choose_engine("eng", "paddle")


def _sans(size_px: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(SERIF), size_px, index=SC_FACE)


def test_point_sizes_follow_the_resolution() -> None:
    assert pt_to_px(12, 300) == 50
    assert pt_to_px(8, 200) == 22


def test_a4_colour_page_at_600_dpi_is_read(rapid: RapidEngine) -> None:
    """C14 (b): 35 million pixels in colour; detection sees a megapixel of them."""
    page = Image.new("RGB", (4960, 7016), (246, 244, 238))
    draw = ImageDraw.Draw(page)
    font = _sans(pt_to_px(12, 600))
    lines = [CASE, SENTENCE[:24], "执行标的人民币125,000.00元"]
    for k, text in enumerate(lines):
        draw.text((600, 800 + k * 300), text, font=font, fill=(20, 20, 20))
    result = rapid.recognise(np.asarray(page), 600)
    assert [line.text for line in result.lines] == lines


def test_blank_page_and_ink_without_text_give_no_lines(rapid: RapidEngine) -> None:
    page = Image.new("L", (1654, 2339), 245)
    assert rapid.recognise(np.asarray(page), 200).lines == ()
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 300, 1400, 360), fill=0)  # a bar, a rule, a redaction
    draw.ellipse((600, 900, 700, 1000), outline=0, width=6)
    result = rapid.recognise(np.asarray(page), 200)
    assert all(line.text.strip() for line in result.lines)
