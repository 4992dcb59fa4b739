"""Cover sheets survive printing and scanning, and are never guessed at."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
import segno
from PIL import Image

from station.documents import (
    CoverSheet,
    CoverSheetError,
    Node,
    cover_sheet_image,
    load_catalog,
    rasterise_cover_pdf,
    read_cover_sheet,
    render_cover_sheet,
)

INFO = CoverSheet(
    case_number="(2026)豫1330执1234号",
    item_code="Z12",
    node=Node.SEIZURE,
    expected_pages=12,
    submission_id="S-20261204-0007",
    item_name="线下查封、扣押、冻结材料",
)
A4_300DPI = (3508, 2480)


def page_with_qr(payload: str, error: str = "m") -> np.ndarray:
    """A white A4 page at 300 dpi with one QR code, as a foreign or forged sheet."""
    page = np.full(A4_300DPI, 255, dtype=np.uint8)
    modules = np.array(list(segno.make(payload, error=error, micro=False).matrix))
    qr = np.kron(np.where(modules, 0, 255), np.ones((12, 12))).astype(np.uint8)
    page[600 : 600 + qr.shape[0], 900 : 900 + qr.shape[1]] = qr
    return page


def forged(**changes: object) -> str:
    data = {
        "kind": "station-cover",
        "v": 1,
        "case": "（2026）豫1330执1234号",
        "item": "Z12",
        "node": "线下查封",
        "pages": 3,
        "sub": "S-1",
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture(scope="module")
def cover_pdf() -> bytes:
    return render_cover_sheet(INFO)


def test_cover_pdf_is_one_a4_page(cover_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(cover_pdf)) as pdf:
        assert len(pdf.pages) == 1
        box = [float(v) for v in pdf.pages[0].mediabox]

    assert box[2] == pytest.approx(595.3, abs=0.5)
    assert box[3] == pytest.approx(841.9, abs=0.5)


def test_cover_rasterised_at_300_dpi_and_turned_180_is_read_back(
    cover_pdf: bytes, tmp_path: Path
) -> None:
    (tmp_path / "cover.pdf").write_bytes(cover_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", "cover.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    scan = np.asarray(Image.open(tmp_path / "page-1.png").convert("L"))
    assert abs(scan.shape[0] - 3508) <= 1 and abs(scan.shape[1] - 2480) <= 1, (
        "poppler renders A4 at 300 dpi as about 2480 x 3508"
    )

    cover = read_cover_sheet(np.rot90(scan, 2))

    assert cover is not None
    assert cover.case_number == "（2026）豫1330执1234号", (
        "the sheet carries it normalised"
    )
    assert (cover.item_code, cover.node) == ("Z12", Node.SEIZURE)
    assert (cover.expected_pages, cover.submission_id) == (12, "S-20261204-0007")
    assert cover.rotation_deg == 180


@pytest.mark.parametrize(("turns", "rotation_deg"), [(0, 0), (1, 270), (3, 90)])
def test_cover_is_read_whatever_side_up(
    cover_pdf: bytes, turns: int, rotation_deg: int
) -> None:
    page = rasterise_cover_pdf(cover_pdf)

    cover = read_cover_sheet(np.rot90(page, turns), catalog=load_catalog())

    assert cover is not None
    assert cover.item_code == "Z12"
    assert cover.rotation_deg == rotation_deg, "clockwise turn of the scanned content"


def test_cover_is_read_from_a_colour_scan_at_150_dpi(cover_pdf: bytes) -> None:
    page = Image.fromarray(rasterise_cover_pdf(cover_pdf)).convert("RGB")
    small = np.asarray(page.resize((1240, 1754), Image.Resampling.BILINEAR))

    cover = read_cover_sheet(small)

    assert cover is not None and cover.expected_pages == 12


def test_page_without_a_code_is_not_a_cover() -> None:
    assert read_cover_sheet(np.full(A4_300DPI, 255, dtype=np.uint8)) is None


def test_a_foreign_qr_code_is_left_to_its_document() -> None:
    page = page_with_qr("https://example.org/verify?doc=123")

    assert read_cover_sheet(page) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"case": "（2026）豫1330执号"}, "case number"),
        ({"case": "hello"}, "not a case number"),
        ({"case": "（2026）豫1330民初55号"}, "not an enforcement case type"),
        ({"case": "（2026）豫1302执12号"}, "not this station's court 豫1330"),
        ({"v": 2}, "version 2"),
        ({"pages": "12"}, "field 'pages' is missing or malformed"),
        ({"pages": -1}, "page count -1"),
        ({"node": "查控"}, "node '查控' is unknown"),
        ({"sub": None}, "field 'sub'"),
    ],
)
def test_a_malformed_or_foreign_cover_is_reported(
    changes: dict[str, object], message: str
) -> None:
    page = page_with_qr(forged(**changes))

    with pytest.raises(CoverSheetError, match=message):
        read_cover_sheet(page)


def test_a_cover_naming_an_item_the_catalog_lacks_is_reported() -> None:
    page = page_with_qr(forged(item="Z99"))

    with pytest.raises(CoverSheetError, match="item 'Z99' is not in catalog"):
        read_cover_sheet(page, catalog=load_catalog())


def test_a_damaged_code_is_reported_not_guessed(cover_pdf: bytes) -> None:
    page = rasterise_cover_pdf(cover_pdf).copy()
    rows, cols = np.nonzero(page[300:1400] < 128)
    top, left, right = rows.min() + 300, cols.min(), cols.max()
    page[top + 400 : top + 520, left + 100 : right - 100] = 255  # a torn strip

    with pytest.raises(CoverSheetError, match="damaged and cannot be read"):
        read_cover_sheet(page)


def test_a_sheet_the_reader_would_refuse_is_not_printed() -> None:
    bad = CoverSheet("（2026）豫1302执12号", "Z12", None, 3, "S-1")

    with pytest.raises(CoverSheetError, match="no cover sheet for case number"):
        render_cover_sheet(bad)


def test_layout_is_a_grey_a4_page_at_300_dpi() -> None:
    page = cover_sheet_image(INFO)

    assert page.shape == A4_300DPI and page.dtype == np.uint8
    assert 0.03 < float((page < 128).mean()) < 0.2, "QR and text, mostly white paper"
