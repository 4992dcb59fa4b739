"""File names follow one rule and are safe wherever the files are copied."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from station.documents import (
    NamedDocument,
    Volume,
    document_filename,
    load_catalog,
    name_documents,
    parse_case_number,
)

CASE = parse_case_number("（2026）豫1330执1234号", today=dt.date(2026, 12, 4))
DAY = dt.date(2026, 3, 12)
UNSAFE = '/\\:*?"<>|'


def test_name_carries_case_volume_code_sequence_name_and_date() -> None:
    item = load_catalog().item("Z08")

    name = document_filename(NamedDocument(CASE, item, DAY, sequence=2))

    assert name == "（2026）豫1330执1234号_正卷_Z08-002_执行通知书_20260312.pdf"


def test_internal_volume_and_missing_date() -> None:
    item = load_catalog().item("F04")

    name = document_filename(NamedDocument(CASE, item, None))

    assert name == (
        "（2026）豫1330执1234号_副卷_F04-001_合议庭评议笔录及会议记录_无日期.pdf"
    )


def test_unclassified_document_without_case_still_gets_a_name() -> None:
    name = document_filename(NamedDocument(None, None, DAY, sequence=3))

    assert name == "无案号_未定_待归目-003_待审查_20260312.pdf"


def test_every_catalog_item_gives_a_safe_name_within_200_bytes() -> None:
    catalog = load_catalog()
    for item in catalog:
        name = document_filename(NamedDocument(CASE, item, DAY, sequence=999))

        assert len(name.encode("utf-8")) <= 200, name
        assert not any(char in name for char in UNSAFE), name
        assert not name.startswith(".")
        assert name.endswith("_20260312.pdf")


def test_unsafe_characters_and_long_names_are_tamed() -> None:
    item = dataclasses.replace(
        load_catalog().item("Z22"), name_zh='.其他/材料: "补充"*?<>|' + "很长" * 80
    )

    name = document_filename(NamedDocument(CASE, item, DAY))

    assert len(name.encode("utf-8")) <= 200
    assert not any(char in name for char in UNSAFE)
    assert name.startswith("（2026）豫1330执1234号_正卷_Z22-001_其他-材料-")
    assert name.endswith("…_20260312.pdf")


def test_byte_limit_is_respected_at_a_character_boundary() -> None:
    item = load_catalog().item("Z12")

    name = document_filename(NamedDocument(CASE, item, DAY), max_bytes=80)

    assert len(name.encode("utf-8")) <= 80
    assert name.encode("utf-8").decode("utf-8") == name


def test_sequences_are_handed_out_per_item_and_never_collide() -> None:
    catalog = load_catalog()
    seize, notice = catalog.item("Z12"), catalog.item("Z08")
    docs = [NamedDocument(CASE, item, DAY) for item in (seize, notice, seize, seize)]

    names = name_documents(docs)

    assert [n.split("_")[2] for n in names] == [
        "Z12-001",
        "Z08-001",
        "Z12-002",
        "Z12-003",
    ]
    assert len(set(names)) == 4
    assert all(catalog.item(n.split("_")[2][:3]).volume is Volume.MAIN for n in names)


def test_sequence_counts_from_one() -> None:
    with pytest.raises(ValueError, match="sequence counts from 1"):
        document_filename(NamedDocument(CASE, None, DAY, sequence=0))


def test_documents_without_a_readable_case_share_one_counter() -> None:
    unreadable = parse_case_number("hello")
    docs = [NamedDocument(None, None, DAY), NamedDocument(unreadable, None, DAY)]

    names = name_documents(docs)

    assert names == [
        "无案号_未定_待归目-001_待审查_20260312.pdf",
        "无案号_未定_待归目-002_待审查_20260312.pdf",
    ]
