"""Parse, check and normalise enforcement case numbers (案号).

Two forms are read. Today's, used since 2016, is ``（2026）豫1330执1234号``: the year in
brackets, the court's code (a province character and the last four digits of the
county's administrative division code), the case type and the serial number. The older
one is ``（2014）桐法执字第00123号``: a court abbreviation, the type, ``字第`` and a
zero-padded serial. Either may end in ``之一``, ``之二`` … for a further document or
sub-case under the same number.

Text is normalised with Unicode NFKC first, which folds full-width brackets and digits.
OCR then still mixes ``〔〕`` and ``[]`` with the round brackets, inserts spaces between
characters and reads ``0`` as ``O`` and ``1`` as ``l`` or ``I``; those letters are
accepted only where a digit must stand, never inside the Chinese part.

A court other than the station's own and a year after today are flagged in
``problems`` but not rejected: cases transferred from another court and a clock set
wrong both happen, and an operator decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

#: The station's own court: 桐柏县 is division 411330 (an inference from the division
#: code, to be confirmed on a real document), and its pre-2016 abbreviation.
DEFAULT_COURT = "豫1330"
DEFAULT_OLD_COURTS = ("桐法",)

#: Courts did not number cases this way before the People's Republic.
_FIRST_YEAR = 1949


class CaseType(StrEnum):
    """Enforcement case types the station files; courts use a few rarer ones too."""

    ENFORCEMENT = "执"
    RESUMED = "执恢"
    PRESERVATION = "执保"
    OBJECTION = "执异"
    REVIEW = "执复"
    SUPERVISION = "执监"
    COORDINATION = "执协"


class CaseForm(StrEnum):
    """Which numbering scheme a case number follows."""

    CURRENT = "current"
    OLD = "old"


@dataclass(frozen=True)
class CaseNumber:
    """One case number as read, with its normalised form and what is wrong with it.

    ``valid`` says the text is a well-formed enforcement case number; ``problems``
    also lists flags that do not make it invalid (another court, a future year).
    Fields that could not be read are ``None`` or empty.
    """

    text: str
    year: int | None
    court: str
    type: str
    number: int | None
    suffix: int | None
    normalized: str
    valid: bool
    problems: tuple[str, ...]
    form: CaseForm | None = None

    @property
    def is_enforcement(self) -> bool:
        """True when the type is one of the enforcement types in ``CaseType``."""
        return self.type in _TYPE_VALUES

    def same_case(self, other: CaseNumber, *, ocr: bool = False) -> bool:
        """True when both name the same case; the 之N suffix is ignored.

        With ``ocr`` the province character of a current-form court code is not
        compared: Tesseract 5.3 chi_sim often reads 豫 as 物, 殉 or 驳, while the
        digits of the court code, the year, type and serial are read reliably.
        """
        if not self.normalized or not other.normalized:
            return False
        mine, theirs = self.court, other.court
        if ocr and self.form is CaseForm.CURRENT and other.form is CaseForm.CURRENT:
            mine, theirs = mine[1:], theirs[1:]
        return (self.year, mine, self.type, self.number, self.form) == (
            other.year,
            theirs,
            other.type,
            other.number,
            other.form,
        )

    def as_dict(self) -> dict[str, object]:
        """The fields ``station case parse`` prints, in a stable order."""
        return {
            "year": self.year,
            "court": self.court,
            "type": self.type,
            "number": self.number,
            "suffix": self.suffix,
            "normalized": self.normalized,
            "valid": self.valid,
            "problems": list(self.problems),
        }


# A digit as OCR may render it, and how to read it back.
_D = r"[0-9OoIl|〇]"
_DIGIT_FIXES = str.maketrans(
    {"O": "0", "o": "0", "〇": "0", "I": "1", "l": "1", "|": "1"}
)
_OPEN = r"[(\[〔【（［]"
_CLOSE = r"[)\]〕】）］]"
_HAN = r"[\u4e00-\u9fff]"
_TYPES = "|".join(sorted((t.value for t in CaseType), key=len, reverse=True))
_CN_NUMERALS = "一二三四五六七八九十"
_TYPE_VALUES = frozenset(t.value for t in CaseType)
_SUFFIX = "十?[一二三四五六七八九]|[二三四五六七八九]十[一二三四五六七八九]?|十"
_YEAR = rf"(?P<open>{_OPEN})?\s*(?P<year>{_D}(?:\s*{_D}){{3}})\s*(?P<close>{_CLOSE})?"
_TAIL = (
    rf"\s*(?P<hao>号)?"
    rf"(?:\s*之\s*(?P<suffix>{_SUFFIX}|\d{{1,2}}))?"
)
_OLD = re.compile(
    _YEAR
    + rf"\s*(?P<court>{_HAN}{{1,6}}?)\s*(?P<type>{_TYPES})\s*字\s*第"
    + rf"\s*(?P<number>{_D}(?:\s*{_D}){{0,7}})"
    + _TAIL
)
_CURRENT = re.compile(
    _YEAR
    + rf"\s*(?P<court>最高法|{_HAN}(?:(?:\s*{_D}){{2}}){{0,2}})"
    + rf"\s*(?P<type>{_TYPES}|{_HAN}{{1,4}}?)"
    + rf"\s*(?P<number>{_D}(?:\s*{_D}){{0,6}})"
    + _TAIL
)


def parse_case_number(
    text: str,
    *,
    own_court: str = DEFAULT_COURT,
    own_old_courts: tuple[str, ...] = DEFAULT_OLD_COURTS,
    today: dt.date | None = None,
) -> CaseNumber:
    """Read one case number typed by an operator or printed on a cover sheet.

    Text around the number is ignored but noted in ``problems``; a string holding no
    case number at all gives an invalid ``CaseNumber`` rather than an exception, so a
    batch of inputs can be reported one line each.
    """
    clean = _prepare(text)
    for pattern, form in ((_OLD, CaseForm.OLD), (_CURRENT, CaseForm.CURRENT)):
        match = pattern.fullmatch(clean) or pattern.search(clean)
        if match is None:
            continue
        case = _from_match(text, match, form, own_court, own_old_courts, today)
        if match.group(0) != clean:
            extra = clean.replace(match.group(0), " … ").strip()
            case = _with_problem(case, f"text around the case number ignored: {extra}")
        return case

    return CaseNumber(
        text=text,
        year=None,
        court="",
        type="",
        number=None,
        suffix=None,
        normalized="",
        valid=False,
        problems=(f"not a case number: {text.strip()!r}",),
    )


def find_case_numbers(
    text: str,
    *,
    own_court: str = DEFAULT_COURT,
    own_old_courts: tuple[str, ...] = DEFAULT_OLD_COURTS,
    today: dt.date | None = None,
) -> list[CaseNumber]:
    """Every case number in a page's OCR text, in reading order.

    Free text needs a bracket by the year and a closing ``号`` (or a 之N suffix)
    before a match counts, so a date or a phone number in a sentence is not taken
    for a case number; OCR that loses both brackets loses the number too.
    The numbers of other cases are returned too: a ruling cites the judgment it
    enforces, and ``is_enforcement`` tells them apart.
    """
    clean = _prepare(text)
    return [
        _from_match(m.group(0), m, form, own_court, own_old_courts, today)
        for m, form in _matches(clean)
        if (m.group("open") or m.group("close"))
        and (m.group("hao") or m.group("suffix"))
    ]


def page_case_conflict(page_text: str, batch_case: CaseNumber) -> CaseNumber | None:
    """The enforcement case number on a page that contradicts its batch's, if any.

    A page conflicts when it names at least one enforcement case and none of them is
    the batch's case (suffix ignored). Numbers of judgments and other non-enforcement
    cases are left alone, since enforcement documents routinely cite them, and so is
    a province character misread by OCR. The returned number is the first
    contradicting one, for the operator to see.
    """
    on_page = [c for c in find_case_numbers(page_text) if c.is_enforcement]
    if not on_page or any(c.same_case(batch_case, ocr=True) for c in on_page):
        return None
    return on_page[0]


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _matches(clean: str) -> Iterator[tuple[re.Match[str], CaseForm]]:
    """Non-overlapping matches of either form, the older form winning a tie.

    The older form is tried first at each position because the current pattern would
    otherwise read ``桐法执字第`` as a court ``桐`` and an unknown type.
    """
    pos = 0
    while pos < len(clean):
        old = _OLD.search(clean, pos)
        cur = _CURRENT.search(clean, pos)
        pairs = ((old, CaseForm.OLD), (cur, CaseForm.CURRENT))
        hits = [(m, f) for m, f in pairs if m is not None]
        if not hits:
            return
        match, form = min(hits, key=lambda h: (h[0].start(), h[1] != CaseForm.OLD))
        yield match, form
        pos = match.end()


def _from_match(
    text: str,
    match: re.Match[str],
    form: CaseForm,
    own_court: str,
    own_old_courts: tuple[str, ...],
    today: dt.date | None,
) -> CaseNumber:
    year = int(_digits(match.group("year")))
    court = _squeeze(match.group("court")).translate(_DIGIT_FIXES)
    kind = match.group("type")
    raw_number = _digits(match.group("number"))
    number = int(raw_number)
    suffix = _suffix_value(match.group("suffix"))

    errors, flags = _check(
        year=year,
        court=court,
        kind=kind,
        number=number,
        match=match,
        form=form,
        own_court=own_court,
        own_old_courts=own_old_courts,
        today=today or dt.date.today(),
    )

    serial = raw_number if form is CaseForm.OLD else str(number)
    middle = "字第" if form is CaseForm.OLD else ""
    tail = f"之{_suffix_text(suffix)}" if suffix else ""
    return CaseNumber(
        text=text,
        year=year,
        court=court,
        type=CaseType(kind) if kind in _TYPE_VALUES else kind,
        number=number,
        suffix=suffix,
        normalized=f"（{year}）{court}{kind}{middle}{serial}号{tail}",
        valid=not errors,
        problems=(*errors, *flags),
        form=form,
    )


def _check(
    *,
    year: int,
    court: str,
    kind: str,
    number: int,
    match: re.Match[str],
    form: CaseForm,
    own_court: str,
    own_old_courts: tuple[str, ...],
    today: dt.date,
) -> tuple[list[str], list[str]]:
    """What makes a matched number invalid, and what only needs a look (flags)."""
    errors: list[str] = []
    if kind not in _TYPE_VALUES:
        errors.append(f"type {kind} is not an enforcement case type")
    if number == 0:
        errors.append("the serial number is 0")
    if not match.group("hao"):
        errors.append("the closing 号 is missing")
    if bool(match.group("open")) != bool(match.group("close")):
        errors.append("a bracket around the year is missing")
    if form is CaseForm.CURRENT and not re.fullmatch(r"最高法|\D(\d\d){0,2}", court):
        errors.append(f"court code {court} is not a province and 2 or 4 digits")
    if year < _FIRST_YEAR:
        errors.append(f"year {year} is before {_FIRST_YEAR}")

    flags: list[str] = []
    own = own_court if form is CaseForm.CURRENT else " or ".join(own_old_courts)
    if court != own_court and court not in own_old_courts:
        flags.append(f"court {court} is not this station's court {own}")
    if year > today.year:
        flags.append(f"year {year} is in the future (today is {today.isoformat()})")
    return errors, flags


def _with_problem(case: CaseNumber, problem: str) -> CaseNumber:
    return dataclasses.replace(case, problems=(*case.problems, problem))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _digits(text: str) -> str:
    return _squeeze(text).translate(_DIGIT_FIXES)


def _suffix_value(text: str | None) -> int | None:
    """Read 之一 … 之九十九; digits are accepted as OCR sometimes gives them."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_NUMERALS.index(text[0]) + 1 if len(text) == 1 else None
    tens, _, units = text.partition("十")
    ten_value = _CN_NUMERALS.index(tens) + 1 if tens else 1
    unit_value = _CN_NUMERALS.index(units) + 1 if units else 0
    return ten_value * 10 + unit_value


def _suffix_text(value: int) -> str:
    """Write 1 … 99 in Chinese numerals, as the court prints 之N."""
    digits = _CN_NUMERALS[:9]
    tens, units = divmod(value, 10)
    if tens == 0:
        return digits[units - 1]
    head = "" if tens == 1 else digits[tens - 1]
    return f"{head}十{digits[units - 1] if units else ''}"
