import datetime as dt

import pytest

from station.documents._dates import find_document_date

TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本裁定送达后立即生效。\n二〇二六年三月十二日", dt.date(2026, 3, 12)),
        ("二〇二五年十二月三十一日", dt.date(2025, 12, 31)),
        ("二O二六年十月一日", dt.date(2026, 10, 1)),
        ("申请日期：2026年3月2日", dt.date(2026, 3, 2)),
        ("２０２６年１１月２０日", dt.date(2026, 11, 20)),
        ("2025年1月5日立案，2026年2月8日裁定", dt.date(2026, 2, 8)),
    ],
)
def test_last_valid_date_is_the_documents_date(text: str, expected: dt.date) -> None:
    assert find_document_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "没有日期的文书",
        "二〇二六年二月三十日",  # no such day
        "2099年1月1日",  # in the future
        "1850年1月1日",  # before any enforcement file
    ],
)
def test_impossible_or_missing_dates_give_none(text: str) -> None:
    assert find_document_date(text, TODAY) is None
