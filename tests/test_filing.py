"""Batches with cover sheets become filed documents, through the real SANE path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from station._config import Config
from station._demo import _capture_while_processing, scanner_for
from station._station import Station
from station.documents import CoverSheet, Node, cover_sheet_image
from station.queue import Batch, Document, Page, PageState
from tests.conftest import make_config

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CASE_A = "（2026）豫1330执1234号"
CASE_B = "（2026）豫1330执恢56号"
CASE_C = "（2025）豫1330执保7号之一"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size, index=2)


def _court_page(path: Path, title: str, case: str, body: str) -> Path:
    page = Image.new("L", (2480, 1300), 255)
    draw = ImageDraw.Draw(page)
    draw.text((1240, 120), "河南省桐柏县人民法院", font=_font(72), fill=0, anchor="mt")
    draw.text((1240, 260), title, font=_font(90), fill=0, anchor="mt")
    draw.text((1700, 420), case, font=_font(50), fill=0)
    for row, line in enumerate(body.split("\n")):
        draw.text((250, 560 + row * 90), line, font=_font(56), fill=0)
    draw.text((1600, 1150), "二〇二六年三月十二日", font=_font(56), fill=0)
    page.save(path, dpi=(300, 300))
    return path


def _cover(path: Path, case: str, item: str, node: Node | None, turn: int = 0) -> Path:
    info = CoverSheet(case, item, node, expected_pages=1, submission_id="S-77")
    pixels = np.rot90(cover_sheet_image(info), k=-turn // 90)
    Image.fromarray(np.ascontiguousarray(pixels)).save(path, dpi=(300, 300))
    return path


def _blank(path: Path) -> Path:
    Image.new("L", (2480, 1300), 250).save(path, dpi=(300, 300))
    return path


def _run(config: Config, files: list[Path]) -> None:
    station = Station(config)
    station.open(publish=False)
    try:
        _capture_while_processing(station, scanner_for(config, files), True)
        assert station.run_until_idle(600, delivered=False)
    finally:
        station.close()


def test_three_cover_sheets_make_three_filed_documents(tmp_path: Path) -> None:
    config = make_config(tmp_path, 1883, **{"capture.source": "duplex"})
    # A duplex stack: front, back, front, back ... Cover B is fed upside down;
    # cover C is printed on the back of the sheet that carries document B.
    feed = [
        _cover(tmp_path / "01.png", CASE_A, "Z09", None),
        _blank(tmp_path / "02.png"),
        _court_page(
            tmp_path / "03.png",
            "报告财产令",
            CASE_A,
            "责令你在收到本令后五日内\n如实报告财产情况。",
        ),
        _blank(tmp_path / "04.png"),
        _cover(tmp_path / "05.png", CASE_B, "Z12", Node.SEIZURE, turn=180),
        _blank(tmp_path / "06.png"),
        _court_page(
            tmp_path / "07.png",
            "执行裁定书",
            CASE_B,
            "查封被执行人名下房产一处，\n期限三年。",
        ),
        _cover(tmp_path / "08.png", CASE_C, "Z10", Node.ONLINE_SEARCH),
        _court_page(
            tmp_path / "09.png",
            "网络查控结果",
            CASE_C,
            "通过网络执行查控系统查询\n被执行人银行存款。",
        ),
        _blank(tmp_path / "10.png"),
    ]
    _run(config, feed)

    covers = [p.page_no for p in Page.select().where(Page.state == PageState.COVER)]
    assert covers == [1, 5, 8]
    documents = list(Document.select().order_by(Document.seq))
    assert [(d.case_number, d.item_code, d.page_count) for d in documents] == [
        (CASE_A, "Z09", 1),
        (CASE_B, "Z12", 1),
        (CASE_C, "Z10", 1),
    ]
    names = [d.file_name for d in documents]
    assert names[0].startswith(f"{CASE_A}_正卷_Z09-001_")
    assert names[1].startswith(f"{CASE_B}_正卷_Z12-001_")
    assert all(name.endswith("_20260312.pdf") for name in names), names
    for document in documents:
        assert Path(document.pdf_path).name == document.file_name
        manifest = json.loads(Path(document.meta_path).read_text("utf-8"))
        assert manifest["file_name"] == document.file_name
        assert manifest["classification"]["basis"] == "cover"
        assert manifest["cover"]["expected_pages"] == manifest["page_count"] == 1
        assert not document.needs_review, manifest["problems"]

    accounting = json.loads(Batch.get().accounting)
    assert accounting["sheets_fed"] == 5
    assert accounting["sides_captured"] == 10
    assert accounting["cover_pages"] == [1, 5, 8]
    assert accounting["blank_pages"] == [2, 4, 6, 10]
    assert accounting["pages_kept"] == 3


def test_unreadable_cover_is_reported_not_guessed(tmp_path: Path) -> None:
    config = make_config(tmp_path, 1883)
    good = _cover(tmp_path / "01.png", CASE_A, "Z09", None)
    torn = np.array(Image.open(_cover(tmp_path / "03.png", CASE_B, "Z12", None)))
    rows, cols = np.nonzero(torn[300:1400] < 128)
    top, left, right = rows.min() + 300, cols.min(), cols.max()
    torn[top + 400 : top + 520, left + 100 : right - 100] = 255
    Image.fromarray(torn).save(tmp_path / "03.png", dpi=(300, 300))
    page = _court_page(tmp_path / "02.png", "报告财产令", CASE_A, "如实报告财产情况。")
    other = _court_page(tmp_path / "04.png", "执行裁定书", CASE_B, "查封房产。")

    _run(config, [good, page, tmp_path / "03.png", other])

    [document] = list(Document.select())
    assert document.needs_review
    manifest = json.loads(Path(document.meta_path).read_text("utf-8"))
    assert any("page 3" in p and "damaged" in p for p in manifest["problems"])
    assert [p["page_no"] for p in manifest["pages"]] == [2, 3, 4], (
        "the torn cover stays in the document as a page; nothing is dropped"
    )


@pytest.mark.parametrize("turn", [90, 270])
def test_cover_turned_sideways_still_splits(tmp_path: Path, turn: int) -> None:
    config = make_config(tmp_path, 1883)
    files = [
        _court_page(tmp_path / "1.png", "执行通知书", CASE_A, "责令被执行人履行义务。"),
        _cover(tmp_path / "2.png", CASE_B, "Z12", None, turn=turn),
        _court_page(tmp_path / "3.png", "执行裁定书", CASE_B, "查封被执行人房产。"),
    ]
    _run(config, files)
    documents = list(Document.select().order_by(Document.seq))
    assert [d.case_number for d in documents] == [CASE_A, CASE_B]
    accounting = json.loads(Batch.get().accounting)
    assert any("cover may be missing" in p for p in accounting["problems"])


def test_receipt_lists_documents_blank_pages_and_problems(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = make_config(tmp_path, 1883)
    files = [
        _cover(tmp_path / "1.png", CASE_A, "Z09", None),
        _court_page(tmp_path / "2.png", "报告财产令", CASE_A, "如实报告财产情况。"),
        _blank(tmp_path / "3.png"),
    ]
    _run(config, files)
    batch = Batch.get()
    site = tmp_path / "site.toml"
    site.write_text(f'[station]\ndata_dir = "{config.data_dir}"\n')
    out = tmp_path / "receipt.pdf"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "station",
            "--config",
            str(site),
            "receipt",
            batch.id,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"1. {CASE_A}  Z09 报告财产令" in result.stdout
    assert "空白页（未入卷，已留存）：3" in result.stdout
    assert "提交编号：S-77" in result.stdout
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1
        assert round(float(pdf.pages[0].mediabox[2])) == 595  # A4 width in points


def test_cover_command_prints_a_sheet_the_station_reads(tmp_path: Path) -> None:
    import subprocess
    import sys

    from station.documents import read_cover_sheet
    from station.documents._cover import rasterise_cover_pdf

    out = tmp_path / "cover.pdf"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "station",
            "cover",
            "--case",
            "(2026)豫1330执1234号",
            "--item",
            "Z12",
            "--pages",
            "4",
            "--submission",
            "S-9",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    read = read_cover_sheet(rasterise_cover_pdf(out.read_bytes()))
    assert read is not None
    assert (read.case_number, read.item_code, read.expected_pages) == (CASE_A, "Z12", 4)
    assert read.node == Node.SEIZURE
