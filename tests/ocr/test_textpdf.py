"""The searchable PDF/A page: text found where printed, read back by other tools."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image, ImageFont

from station.ocr import (
    Box,
    OcrLine,
    OcrResult,
    merge_pdfs,
    ocr_cli,
    recognise_page,
    searchable_page,
)
from station.ocr._glyphless import glyphless_font
from tests.ocr.court_pages import SANS, SC_FACE, text_strip

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
)

# C13: ten lines of Chinese with a few English words.
MIXED = (
    "本院受理申请执行人与被执行人借款合同纠纷一案。",
    "被执行人应当履行生效法律文书确定的义务。",
    "申请人提交了 WeChat Pay 转账记录作为证据。",
    "执行款已汇入本院执行款专户。",
    "案件承办人通过 email 送达了执行通知书。",
    "查封期限为三年，自查封之日起计算。",
    "被执行人未申报财产。",
    "本院依法冻结了被执行人的银行存款。",
    "如不服本裁定，可以提出书面异议。",
    "本裁定送达后立即生效。",
)


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def mixed_pdf() -> bytes:
    strip = text_strip(MIXED, size_pt=12, seed=8)
    page = recognise_page(
        np.asarray(strip.image), _jpeg(strip.image), 300, "chi_sim+eng"
    )
    assert page.engine.startswith("rapidocr")
    return page.pdf


def test_four_character_word_is_found_in_the_text_layer(
    mixed_pdf: bytes, tmp_path: Path
) -> None:
    text = _pdftotext(mixed_pdf, tmp_path)
    for word in ("借款合同", "执行通知", "书面异议", "立即生效"):
        assert word in text, f"{word} not searchable in {text!r}"
    assert "执 行" not in text, "spaces between Chinese characters"


def test_spaces_around_english_words_stay_and_lines_keep_order(
    mixed_pdf: bytes, tmp_path: Path
) -> None:
    text = _pdftotext(mixed_pdf, tmp_path)
    assert "WeChat Pay" in text
    assert re.search(r"通过 \S+ 送达", text), "spaces around a word in a line"
    positions = [text.find(line[:6]) for line in MIXED]
    assert -1 not in positions and positions == sorted(positions), positions


def test_page_is_pdfa_2b_with_srgb_intent_and_embedded_font(mixed_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(mixed_pdf)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        assert profile.read_bytes()[36:40] == b"acsp", "not an ICC profile"
        assert "/Info" not in pdf.trailer, "dates outside the XMP"
        [page] = pdf.pages
        font = page.Resources.Font.OCR
        descendant = font.DescendantFonts[0]
        assert descendant.FontDescriptor.FontFile2.read_bytes() == glyphless_font()
        assert "/ToUnicode" in font
        image = next(iter(page.get_images().values()))
        assert image.Filter == "/DCTDecode", "the JPEG must be embedded unchanged"
        page.contents_coalesce()
        assert b"3 Tr" in page.Contents.read_bytes(), "text must be invisible"


def test_same_page_gives_the_same_bytes() -> None:
    image = Image.new("L", (600, 200), 255)
    result = OcrResult(
        (OcrLine("执行裁定书", Box(10, 10, 300, 60), 99.0),), 600, 200, "test", 1.0
    )
    first = searchable_page(_jpeg(image), result, 300)
    assert first == searchable_page(_jpeg(image), result, 300)


def test_bilevel_png_page_is_kept_lossless(tmp_path: Path) -> None:
    image = Image.new("1", (800, 400), 1)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    result = OcrResult((), 800, 400, "test", 1.0)
    pdf_bytes = searchable_page(out.getvalue(), result, 300)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        image_obj = next(iter(pdf.pages[0].get_images().values()))
        assert image_obj.BitsPerComponent == 1
        assert float(pdf.pages[0].mediabox[2]) == pytest.approx(800 * 72 / 300)


def test_merged_document_stays_pdfa_and_keeps_page_order(
    mixed_pdf: bytes, tmp_path: Path
) -> None:
    other = searchable_page(
        _jpeg(Image.new("L", (600, 300), 255)),
        OcrResult((OcrLine("第二页", Box(5, 5, 200, 50), 90.0),), 600, 300, "t", 1),
        300,
    )
    parts = [tmp_path / "1.pdf", tmp_path / "2.pdf"]
    parts[0].write_bytes(mixed_pdf)
    parts[1].write_bytes(other)
    merged = merge_pdfs(parts, title="（2026）豫1330执1234号")
    with pikepdf.open(io.BytesIO(merged)) as pdf:
        assert len(pdf.pages) == 2
        assert pdf.open_metadata()["pdfaid:part"] == "2"
        assert "/OutputIntents" in pdf.Root
    text = _pdftotext(merged, tmp_path)
    assert text.index("借款合同") < text.index("第二页")


def test_cli_prints_json_per_page_and_writes_one_pdf(tmp_path: Path) -> None:
    files = []
    for k, line in enumerate(("（2026）豫1330执1234号", "执行款已汇入本院专户。")):
        strip = text_strip((line,), seed=20 + k)
        path = tmp_path / f"{k}.jpg"
        strip.image.save(path, quality=90, dpi=(300, 300))
        files.append(str(path))
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(ocr_cli, [*files, "--json", "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    import json

    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["input"] for r in records] == files
    assert set(records[0]) == {"input", "engine", "text", "mean_confidence", "ms"}
    assert "豫1330执1234号" in records[0]["text"]
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2


def test_glyphless_font_is_a_font_other_programs_load(tmp_path: Path) -> None:
    path = tmp_path / "glyphless.ttf"
    path.write_bytes(glyphless_font())
    font = ImageFont.truetype(str(path), 100)
    assert font.getname()[0] == "GlyphLessFont"
    assert font.getlength("执行ab") == pytest.approx(200)
    assert ImageFont.truetype(str(SANS), 10, index=SC_FACE)  # fonts of the tests
