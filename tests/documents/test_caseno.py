"""Case numbers as operators type them and as OCR reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from station.documents import (
    CaseForm,
    CaseType,
    find_case_numbers,
    page_case_conflict,
    parse_case_number,
)

TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "normalized", "kind", "number", "suffix"),
    [
        (
            "（2026）豫1330执1234号",
            "（2026）豫1330执1234号",
            CaseType.ENFORCEMENT,
            1234,
            None,
        ),
        (
            "(2026)豫1330执恢12号之二",
            "（2026）豫1330执恢12号之二",
            CaseType.RESUMED,
            12,
            2,
        ),
        (
            "（２０２６）豫１３３０执监８号",
            "（2026）豫1330执监8号",
            CaseType.SUPERVISION,
            8,
            None,
        ),
        (
            "〔2026〕豫1330执保3号",
            "（2026）豫1330执保3号",
            CaseType.PRESERVATION,
            3,
            None,
        ),
        ("[2026]豫1330执异5号", "（2026）豫1330执异5号", CaseType.OBJECTION, 5, None),
        (
            "（2026） 豫 1330 执复 7 号之十一",
            "（2026）豫1330执复7号之十一",
            CaseType.REVIEW,
            7,
            11,
        ),
        (
            "（2026）豫1330执协1号之1",
            "（2026）豫1330执协1号之一",
            CaseType.COORDINATION,
            1,
            1,
        ),
    ],
)
def test_current_form_is_normalised(
    text: str, normalized: str, kind: CaseType, number: int, suffix: int | None
) -> None:
    case = parse_case_number(text, today=TODAY)

    assert case.normalized == normalized
    assert case.type == kind
    assert (case.year, case.court, case.number, case.suffix) == (
        2026,
        "豫1330",
        number,
        suffix,
    )
    assert case.valid and case.problems == ()
    assert case.form is CaseForm.CURRENT


def test_ocr_letters_in_digit_positions_are_read_as_digits() -> None:
    case = parse_case_number("〔2O26〕豫l33O执 I2O 号", today=TODAY)

    assert case.normalized == "（2026）豫1330执120号"
    assert case.valid


def test_old_form_keeps_its_zero_padded_serial() -> None:
    case = parse_case_number("（2014）桐法执字第00123号", today=TODAY)

    assert case.form is CaseForm.OLD
    assert (case.year, case.court, case.type, case.number) == (2014, "桐法", "执", 123)
    assert case.normalized == "（2014）桐法执字第00123号"
    assert case.valid and case.problems == ()


def test_old_form_with_a_two_character_type_and_suffix() -> None:
    case = parse_case_number("(2015)桐法执恢字第7号之一", today=TODAY)

    assert case.type == CaseType.RESUMED
    assert case.normalized == "（2015）桐法执恢字第7号之一"


def test_another_court_is_flagged_not_rejected() -> None:
    case = parse_case_number("（2026）豫1302执88号", today=TODAY)

    assert case.valid
    assert case.problems == ("court 豫1302 is not this station's court 豫1330",)


def test_own_court_is_configurable() -> None:
    case = parse_case_number("（2026）豫1302执88号", own_court="豫1302", today=TODAY)

    assert case.problems == ()


def test_future_year_is_flagged_not_rejected() -> None:
    case = parse_case_number("（2027）豫1330执1号", today=TODAY)

    assert case.valid
    assert case.problems == ("year 2027 is in the future (today is 2026-12-04)",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("（2026）豫1330民初55号", "type 民初 is not an enforcement case type"),
        ("（2026）豫1330执1234", "the closing 号 is missing"),
        ("（2026）豫1330执0号", "the serial number is 0"),
        ("（2026豫1330执12号", "a bracket around the year is missing"),
        ("（1900）豫1330执12号", "year 1900 is before 1949"),
    ],
)
def test_malformed_numbers_are_invalid_and_say_why(text: str, problem: str) -> None:
    case = parse_case_number(text, today=TODAY)

    assert not case.valid
    assert problem in case.problems


@pytest.mark.parametrize("text", ["", "hello", "执行通知书", "2026年3月5日"])
def test_text_without_a_case_number_gives_an_invalid_result(text: str) -> None:
    case = parse_case_number(text, today=TODAY)

    assert not case.valid
    assert case.normalized == ""
    assert case.year is None
    assert case.problems[0].startswith("not a case number")


def test_text_around_a_typed_number_is_noted() -> None:
    case = parse_case_number("案号：（2026）豫1330执1234号", today=TODAY)

    assert case.valid
    assert case.normalized == "（2026）豫1330执1234号"
    assert case.problems == ("text around the case number ignored: 案号: …",)


def test_find_in_ocr_text_returns_every_number_in_order() -> None:
    text = (
        "河 南 省 桐 柏 县 人 民 法 院\n执 行 通 知 书\n（2026） 豫 1330 执 1234 号\n"
        "本院作出的（2025）豫1330民初55号民事判决书已经发生法律效力。"
        "2026年3月5日，电话 0377-12345678。参见(2014)桐法执字第00123号之一。"
    )

    found = find_case_numbers(text, today=TODAY)

    assert [c.normalized for c in found] == [
        "（2026）豫1330执1234号",
        "（2025）豫1330民初55号",
        "（2014）桐法执字第00123号之一",
    ]
    assert [c.is_enforcement for c in found] == [True, False, True]


def test_page_of_another_case_is_flagged() -> None:
    batch = parse_case_number("（2026）豫1330执1234号", today=TODAY)
    page = "执行通知书\n（2026）豫1330执1243号\n本院作出的（2025）豫1330民初55号判决"

    conflict = page_case_conflict(page, batch)

    assert conflict is not None
    assert conflict.normalized == "（2026）豫1330执1243号"


@pytest.mark.parametrize(
    "page",
    [
        "执行通知书\n（2026）豫1330执1234号之一",
        "民事判决书\n（2025）豫1330民初55号",
        "送达回证\n受送达人：张某某",
        "执行裁定书\n(2026) 殉1330执1234号",
    ],
)
def test_page_of_the_same_case_or_without_one_is_not_flagged(page: str) -> None:
    batch = parse_case_number("（2026）豫1330执1234号", today=TODAY)

    assert page_case_conflict(page, batch) is None


def test_same_case_compares_province_only_when_not_from_ocr() -> None:
    typed = parse_case_number("（2026）豫1330执1234号", today=TODAY)
    misread = parse_case_number("（2026）殉1330执1234号", today=TODAY)
    other_county = parse_case_number("（2026）豫1302执1234号", today=TODAY)

    assert not typed.same_case(misread)
    assert typed.same_case(misread, ocr=True)
    assert not typed.same_case(other_county, ocr=True)


def test_old_form_of_another_court_is_flagged() -> None:
    case = parse_case_number("（2014）南法执字第1号", today=TODAY)

    assert case.valid
    assert case.problems == ("court 南法 is not this station's court 桐法",)


def test_free_text_without_brackets_is_not_taken_for_a_case_number() -> None:
    assert find_case_numbers("电话2026豫1330执1234号码", today=TODAY) == []
