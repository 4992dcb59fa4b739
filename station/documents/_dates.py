"""Find a court document's date in its OCR text.

A court document is dated at its end, above the seal: 二〇二六年三月十二日 in Chinese
numerals on rulings and notices, 2026年3月12日 on forms. The last plausible date of
the text is taken as the document's date; dates that cannot exist, or lie outside
the years a court file can hold, are passed over.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "０": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip

_NUM = r"[0-9〇○零Oo一二三四五六七八九十]"
_DATE = re.compile(
    rf"(?P<y>{_NUM}{{4}})\s*年\s*(?P<m>{_NUM}{{1,3}})\s*月\s*(?P<d>{_NUM}{{1,4}})\s*日"
)

#: Years a document in an enforcement file can carry.
FIRST_YEAR = 1980


def find_document_date(text: str, today: dt.date | None = None) -> dt.date | None:
    """The last valid date in ``text``, or None when it has none."""
    today = today or dt.date.today()
    found = None
    for match in _DATE.finditer(unicodedata.normalize("NFKC", text)):
        try:
            date = dt.date(_year(match["y"]), _number(match["m"]), _number(match["d"]))
        except ValueError:
            continue
        if date.year >= FIRST_YEAR and date <= today + dt.timedelta(days=31):
            found = date
    return found


def _year(text: str) -> int:
    """A year written digit by digit: 2026, 二〇二六, 二O二六."""
    digits = [_digit(c) for c in text]
    return int("".join(str(d) for d in digits))


def _number(text: str) -> int:
    """A month or day: 3, 03, 三, 十二, 二十一, 三十."""
    if all(c.isdigit() for c in text):
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_digit(tens) if tens else 1) * 10 + (_digit(ones) if ones else 0)
        if len(ones) > 1:
            raise ValueError(text)
        return value
    if len(text) > 2:
        raise ValueError(text)
    return int("".join(str(_digit(c)) for c in text))


def _digit(char: str) -> int:
    if char.isdigit():
        return int(char)
    if char not in _DIGITS:
        raise ValueError(char)
    return _DIGITS[char]
