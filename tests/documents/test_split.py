"""A batch is cut at cover sheets or where the operator says, losing nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station.documents import (
    CoverSheet,
    Node,
    PageRecord,
    SplitError,
    cover_sheet_image,
    load_catalog,
    read_cover_sheet,
    split_at,
    split_batch,
)

SIZE = (3508, 2480)


def cover(pages: int, item: str = "Z12") -> np.ndarray:
    info = CoverSheet("（2026）豫1330执1234号", item, Node.SEIZURE, pages, "S-9")
    return cover_sheet_image(info)


def text_page() -> np.ndarray:
    """A page with dark text-like lines, no code on it."""
    page = np.full(SIZE, 255, dtype=np.uint8)
    for top in range(400, 3000, 90):
        page[top : top + 30, 300:2100] = 20
    return page


def white() -> np.ndarray:
    return np.full(SIZE, 255, dtype=np.uint8)


def batch(*kinds: str) -> list[PageRecord]:
    """Pages from a short code: C3 = cover announcing 3 pages, T = text, B = blank."""
    pages = []
    for index, kind in enumerate(kinds, start=1):
        if kind.startswith("C"):
            pages.append(PageRecord(index, pixels=cover(int(kind[1:]))))
        elif kind == "T":
            pages.append(PageRecord(index, pixels=text_page()))
        else:
            pages.append(PageRecord(index, pixels=white(), blank=True))
    return pages


def test_without_covers_the_batch_is_one_document() -> None:
    result = split_batch(batch("T", "B", "T", "T"))

    assert len(result.documents) == 1
    doc = result.documents[0]
    assert doc.pages == (1, 3, 4)
    assert doc.blank_pages == (2,), "blank backs stay with their document, apart"
    assert doc.cover is None and doc.problems == ()
    assert result.problems == ()


def test_covers_start_documents_and_are_kept_apart() -> None:
    result = split_batch(batch("C2", "T", "T", "C1", "T", "B"))

    assert [d.pages for d in result.documents] == [(2, 3), (5,)]
    assert [d.cover_page for d in result.documents] == [1, 4]
    assert [d.blank_pages for d in result.documents] == [(), (6,)]
    first_cover = result.documents[0].cover
    assert first_cover is not None and first_cover.item_code == "Z12"
    assert result.problems == ()


def test_two_covers_in_a_row_give_a_reported_empty_document() -> None:
    result = split_batch(batch("C1", "C2", "T", "T"))

    assert [d.pages for d in result.documents] == [(), (3, 4)]
    assert result.documents[0].empty
    assert result.documents[0].cover_page == 1
    assert result.problems == (
        "empty document: no page with content after the cover on page 1",
    )


def test_a_batch_of_only_blank_pages_is_reported() -> None:
    result = split_batch(batch("B", "B", "B"))

    assert len(result.documents) == 1
    assert result.documents[0].empty
    assert result.documents[0].blank_pages == (1, 2, 3), "kept, not thrown away"
    assert result.problems == (
        "all 3 pages of the batch are blank",
        "empty document: no page with content in the batch",
    )


def test_page_count_that_differs_from_the_cover_is_reported() -> None:
    result = split_batch(batch("C3", "T", "T"))

    assert result.problems == (
        "the cover on page 1 announces 3 pages, the document has 2",
    )


def test_pages_before_the_first_cover_are_reported() -> None:
    result = split_batch(batch("T", "C1", "T"))

    assert [d.pages for d in result.documents] == [(1,), (3,)]
    assert result.problems == (
        "no cover sheet before page(s) 1; a cover may be missing",
    )


def test_page_with_a_damaged_code_stays_in_its_document() -> None:
    damaged = cover(1).copy()
    rows, cols = np.nonzero(damaged[300:1400] < 128)
    top = rows.min() + 300
    damaged[top + 400 : top + 520, cols.min() + 100 : cols.max() - 100] = 255
    pages = [*batch("C2", "T"), PageRecord(3, pixels=damaged)]

    result = split_batch(pages)

    assert [d.pages for d in result.documents] == [(2, 3)]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("page 3: a QR code at")
    assert "damaged and cannot be read" in result.problems[0]


def test_cover_naming_an_unknown_item_is_reported_and_the_batch_goes_on() -> None:
    catalog = load_catalog()

    def reader(pixels: np.ndarray) -> CoverSheet | None:
        return read_cover_sheet(pixels, catalog=catalog)

    pages = [
        PageRecord(1, pixels=cover(1, item="Z99")),
        PageRecord(2, pixels=cover(1)),
        PageRecord(3, pixels=text_page()),
    ]

    result = split_batch(pages, read_cover=reader)

    assert [(d.cover_page, d.pages) for d in result.documents] == [
        (None, (1,)),
        (2, (3,)),
    ]
    assert result.problems[-1] == (
        f"page 1: cover sheet item 'Z99' is not in catalog {catalog.source}; "
        "reprint the sheet with a current item code"
    )


def test_pages_may_be_given_as_files(tmp_path: Path) -> None:
    Image.fromarray(cover(1)).save(tmp_path / "p1.png")
    Image.fromarray(text_page()).save(tmp_path / "p2.png")
    pages = [
        PageRecord(1, path=tmp_path / "p1.png"),
        PageRecord(2, path=tmp_path / "p2.png"),
    ]

    result = split_batch(pages)

    assert [(d.cover_page, d.pages) for d in result.documents] == [(1, (2,))]


def test_an_unreadable_page_file_is_reported_and_kept(tmp_path: Path) -> None:
    (tmp_path / "p2.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    pages = [
        PageRecord(1, pixels=text_page()),
        PageRecord(2, path=tmp_path / "p2.png"),
        PageRecord(3, pixels=text_page()),
    ]

    result = split_batch(pages)

    assert [d.pages for d in result.documents] == [(1, 2, 3)]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("page 2: ")
    assert "cannot be decoded" in result.problems[0]


def test_an_empty_batch_gives_no_document() -> None:
    for result in (split_batch([]), split_at([], [])):
        assert result.documents == ()
        assert result.problems == ("the batch has no pages",)


def test_operator_split_starts_documents_at_the_chosen_pages() -> None:
    pages = batch("T", "T", "T", "B", "T", "T")

    result = split_at(pages, [3, 5])

    assert [d.pages for d in result.documents] == [(1, 2), (3,), (5, 6)]
    assert result.documents[1].blank_pages == (4,)
    assert result.problems == ()


def test_operator_split_ignores_covers_and_the_first_page() -> None:
    result = split_at(batch("C1", "T", "T"), [1, 3])

    assert [d.pages for d in result.documents] == [(1, 2), (3,)]
    assert all(d.cover is None for d in result.documents)


def test_operator_split_at_a_page_outside_the_batch_is_refused() -> None:
    with pytest.raises(SplitError, match=r"split points \[9\] are not pages"):
        split_at(batch("T", "T"), [2, 9])
