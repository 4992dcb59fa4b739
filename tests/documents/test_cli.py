"""The ``case parse`` and ``classify`` commands print one JSON object per input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from station.documents import case_cli, classify_cli

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_case_parse_prints_one_object_per_input() -> None:
    result = CliRunner().invoke(
        case_cli,
        ["parse", "（2026）豫1330执1234号之一", "〔2O26〕豫1302执恢7号", "hello"],
    )

    assert result.exit_code == 0, result.output
    first, second, third = lines(result.output)
    assert first == {
        "year": 2026,
        "court": "豫1330",
        "type": "执",
        "number": 1234,
        "suffix": 1,
        "normalized": "（2026）豫1330执1234号之一",
        "valid": True,
        "problems": [],
    }
    assert second["normalized"] == "（2026）豫1302执恢7号"
    assert second["problems"] == ["court 豫1302 is not this station's court 豫1330"]
    assert third["valid"] is False and third["normalized"] == ""


def test_case_parse_takes_the_court_and_today_as_options() -> None:
    result = CliRunner().invoke(
        case_cli,
        ["parse", "--court", "豫1302", "--today", "2025-06-01", "（2026）豫1302执7号"],
    )

    assert result.exit_code == 0, result.output
    (case,) = lines(result.output)
    assert case["valid"] is True
    assert case["problems"] == ["year 2026 is in the future (today is 2025-06-01)"]


def test_case_parse_needs_at_least_one_text() -> None:
    result = CliRunner().invoke(case_cli, ["parse"])

    assert result.exit_code == 2


def test_classify_reads_ocr_text_files(tmp_path: Path) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text(
        "河南省桐柏县人民法院\n执 行 通 知 书\n张某某：", encoding="utf-8"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")

    result = CliRunner().invoke(classify_cli, [str(notice), str(empty)])

    assert result.exit_code == 0, result.output
    first, second = lines(result.output)
    assert (first["code"], first["name"], first["volume"]) == (
        "Z08",
        "执行通知书",
        "正卷",
    )
    assert first["review"] is False and first["basis"] == "title"
    assert (second["code"], second["review"]) == (None, True)


def test_classify_refuses_a_broken_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text('[{"code": "Z01"}]', encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("执行通知书", encoding="utf-8")

    result = CliRunner().invoke(classify_cli, ["--catalog", str(catalog), str(page)])

    assert result.exit_code == 1
    assert "item 1 (Z01) lacks field(s)" in result.output


def test_classify_ocrs_a_page_image(tmp_path: Path) -> None:
    page = Image.new("L", (2480, 1100), 255)
    draw = ImageDraw.Draw(page)
    draw.text((1240, 150), "河南省桐柏县人民法院", font=_font(70), fill=0, anchor="mt")
    draw.text((1240, 300), "报告财产令", font=_font(90), fill=0, anchor="mt")
    body = "责令你在收到本令后五日内如实报告财产情况。"
    draw.text((250, 520), body, font=_font(56), fill=0)
    path = tmp_path / "page.png"
    page.save(path, dpi=(300, 300))

    result = CliRunner().invoke(classify_cli, [str(path)])

    assert result.exit_code == 0, result.output
    (line,) = lines(result.output)
    assert line["code"] == "Z09"
    assert line["title"] == "报告财产令"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size, index=2)
