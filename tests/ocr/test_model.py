"""Text fixes, reading order and banding: the engine-independent parts of OCR."""

from __future__ import annotations

import itertools

import numpy as np

from station.ocr import Box, OcrLine
from station.ocr._model import reading_order, tidy
from station.ocr._prepare import bands, ocr_grey


def test_chinese_gets_no_spaces_and_english_keeps_them() -> None:
    assert tidy("执 行 裁 定 书") == "执行裁定书"
    assert tidy("通过 email 送达") == "通过 email 送达"


def test_letters_read_for_digits_become_digits() -> None:
    assert tidy("电话0377-66l2345") == "电话0377-6612345"
    assert tidy("金额1O5元") == "金额105元"
    assert tidy("二O二六年三月十五日") == "二〇二六年三月十五日"
    assert tidy("Il est court10@example.cn") == "Il est court10@example.cn"


def test_brackets_and_commas_in_chinese_text_are_full_width() -> None:
    assert tidy("(2026)豫1330执1234号") == "（2026）豫1330执1234号"
    assert tidy("(2026）豫1330执1234号") == "（2026）豫1330执1234号"
    assert tidy("金额(元)") == "金额（元）"
    assert tidy("本院认为,被执行人") == "本院认为，被执行人"
    assert tidy("f(x) = 2, y") == "f(x) = 2, y"
    assert tidy("时间10:30") == "时间10:30"


def _line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text, Box(x0, y0, x1, y1), 90.0)


def test_table_row_reads_left_to_right_then_next_row() -> None:
    lines = [
        _line("日期", 1500, 102, 1700, 150),
        _line("执行费", 100, 200, 300, 250),
        _line("项目", 100, 100, 300, 150),
        _line("金额（元）", 800, 98, 1100, 152),
    ]
    assert [line.text for line in reading_order(lines)] == [
        "项目",
        "金额（元）",
        "日期",
        "执行费",
    ]


def test_a_tall_page_is_cut_in_overlapping_bands_and_a4_is_not() -> None:
    assert bands(3508, 2480) == bands(3508, 2480)[:1]
    cut = bands(40000, 2480)
    assert cut[0].top == 0 and cut[-1].bottom == 40000
    for upper, lower in itertools.pairwise(cut):
        assert upper.bottom - lower.top >= 2480 // 4, "bands must overlap"


def test_red_seal_fades_but_black_text_under_it_stays() -> None:
    page = np.full((64, 64, 3), 240, np.uint8)
    page[10:20, 10:20] = (210, 40, 40)  # seal ink
    page[30:40, 30:40] = (15, 10, 10)  # text, even where the seal covers it
    grey = ocr_grey(page)
    assert grey[15, 15] > 230
    assert grey[35, 35] < 40


def test_two_columns_of_text_are_read_one_after_the_other() -> None:
    left = [
        _line(f"左栏第{k}行的文字内容比较长一些", 100, 100 + 60 * k, 900, 140 + 60 * k)
        for k in range(5)
    ]
    right = [
        _line(f"右栏第{k}行的文字内容比较长一些", 960, 100 + 60 * k, 1760, 140 + 60 * k)
        for k in range(5)
    ]
    title = _line("横跨两栏的标题", 100, 20, 1760, 70)
    ordered = [line.text for line in reading_order([*right, title, *left])]
    assert ordered == [title.text, *(x.text for x in left), *(x.text for x in right)]


def test_a_table_is_read_row_by_row_not_column_by_column() -> None:
    cells = []
    for k in range(5):
        y = 100 + 80 * k
        cells += [
            _line(f"项目{k}", 100, y, 400, y + 40),
            _line(f"{k}2345.00", 900, y, 1200, y + 40),
            _line(f"2026-0{k + 1}-15", 1500, y, 1800, y + 40),
        ]
    assert [line.text for line in reading_order(cells[::-1])] == [
        line.text for line in cells
    ]
