"""Name a filed document's file: one deterministic rule, safe on every filesystem.

The rule, joined by underscores::

    <case>_<volume>_<code>-<sequence>_<item name>_<date><extension>
    （2026）豫1330执1234号_正卷_Z12-002_线下查封、扣押、冻结材料…_20260312.pdf

- ``case`` is the normalised case number (无案号 when there is none);
- ``volume`` is 正卷 or 副卷, so a listing sorts the two volumes apart;
- ``code`` is the catalog item's code and ``sequence`` the document's place within
  that item, counted from 1 and written with three digits (more when needed), so a
  listing sorts in filing order; unclassified documents get code 待归目 and volume 未定;
- ``item name`` is the catalog name, made safe and shortened if needed;
- ``date`` is the document's date as YYYYMMDD, or 无日期.

Why these limits: ``/ \\ : * ? " < > |`` and control characters are refused or
misread by Windows, SMB shares and shells, a leading dot hides a file on Unix, a
trailing dot or space is dropped by Windows, and ext4 limits a name to 255 bytes,
which CJK text (three bytes a character in UTF-8) reaches quickly. Names are kept to
200 bytes by shortening only the item name: the case, volume, code and sequence are
never cut, so two documents of one case never share a name as long as their
sequences differ, and ``name_documents`` hands out those sequences.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from station.documents._caseno import CaseNumber
from station.documents._catalog import CatalogItem
from station.documents._errors import CatalogError

MAX_NAME_BYTES = 200
UNFILED_CODE = "待归目"
UNFILED_VOLUME = "未定"
NO_CASE = "无案号"
NO_DATE = "无日期"

_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}")
_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f\s]+')


@dataclass(frozen=True)
class NamedDocument:
    """What a file name is made of; ``sequence`` counts from 1 within the item."""

    case: CaseNumber | None
    item: CatalogItem | None
    date: dt.date | None
    sequence: int = 1


def document_filename(
    doc: NamedDocument, extension: str = ".pdf", max_bytes: int = MAX_NAME_BYTES
) -> str:
    """The file name of one document under the rule in this module's docstring."""
    if doc.sequence < 1:
        raise ValueError(f"sequence counts from 1, got {doc.sequence}")
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"extension {extension!r} is not a dot and 1-8 letters")
    case, code = _case_and_code(doc)
    volume = doc.item.volume.value if doc.item else UNFILED_VOLUME
    date = doc.date.strftime("%Y%m%d") if doc.date else NO_DATE

    head = f"{case}_{volume}_{code}-{doc.sequence:03d}_"
    tail = f"_{date}{extension}"
    room = max_bytes - len(head.encode()) - len(tail.encode())
    if room < 0:
        raise CatalogError(
            f"a file name for {case} item {code} cannot fit in {max_bytes} bytes; "
            "shorten the item code in the catalog"
        )
    name = _fit(_safe(doc.item.name_zh) if doc.item else "待审查", room)
    return f"{head}{name}{tail}"


def name_documents(docs: Sequence[NamedDocument], extension: str = ".pdf") -> list[str]:
    """Names for a case's documents in filing order, numbering each item from 1.

    The ``sequence`` a document carries is ignored: sequences are handed out here, in
    the order given, per case, volume and item, so no two names collide.
    """
    counts: Counter[tuple[str, str]] = Counter()
    names: list[str] = []
    for doc in docs:
        key = _case_and_code(doc)
        counts[key] += 1
        numbered = NamedDocument(doc.case, doc.item, doc.date, counts[key])
        names.append(document_filename(numbered, extension))
    return names


def _case_and_code(doc: NamedDocument) -> tuple[str, str]:
    """The case and item parts of the name, already made safe.

    Sequences are counted on these safe forms, so two codes that differ only in an
    unsafe character (Z/1, Z:1) still never share a name.
    """
    case = doc.case.normalized if doc.case and doc.case.normalized else NO_CASE
    code = doc.item.code if doc.item else UNFILED_CODE
    return _safe(case), _safe(code)


def _safe(text: str) -> str:
    """NFC, unsafe characters to '-', no leading dot, no trailing dot or space."""
    text = _UNSAFE.sub("-", unicodedata.normalize("NFC", text))
    return text.lstrip(".").rstrip(". ")


def _fit(text: str, room: int) -> str:
    """Cut ``text`` at a character boundary to at most ``room`` UTF-8 bytes."""
    data = text.encode()
    if len(data) <= room:
        return text
    cut = data[: max(room - len("…".encode()), 0)].decode(errors="ignore")
    return cut + "…" if room >= len("…".encode()) else ""
