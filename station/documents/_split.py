"""Split a scanned batch into documents, at cover sheets or where the operator says.

A batch is the stack that went through the feeder. Cover sheets, when the clerk used
them, start documents; the cover itself is kept as evidence of how the batch was
split but is not a page of the document. Blank pages (backs of one-sided sheets) stay
with the document they were scanned in, listed apart, so that nothing scanned is ever
lost but nothing blank is filed.

Nothing here is dropped silently. Two covers in a row give an empty document that is
reported; a batch of only blank pages gives one empty document that is reported; a
page whose QR code cannot be trusted stays in its document with a problem attached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from station._errors import ImageError
from station._imageio import decode_image
from station.documents._cover import CoverSheet, read_cover_sheet
from station.documents._errors import CoverSheetError, SplitError

log = logging.getLogger(__name__)

CoverReader = Callable[[np.ndarray], CoverSheet | None]

_NO_PAGES = "the batch has no pages"


@dataclass(frozen=True)
class PageRecord:
    """One scanned page: ``index`` is its place in the batch, counting from 1.

    When the page was already looked at for a cover sheet (the station's workers do
    it while cleaning), ``cover_read`` is True and ``cover`` and ``cover_problem``
    hold what was found, so the page is not decoded again.
    """

    index: int
    pixels: np.ndarray | None = None
    path: Path | None = None
    blank: bool = False
    failed: bool = False  # could not be processed; set aside like a blank page
    cover_read: bool = False
    cover: CoverSheet | None = None
    cover_problem: str | None = None

    def load(self) -> np.ndarray:
        """The page's pixels, decoded from ``path`` when not held in memory."""
        if self.pixels is not None:
            return self.pixels
        if self.path is None:
            raise SplitError(f"page {self.index} has neither pixels nor a path")
        return decode_image(self.path).pixels


@dataclass(frozen=True)
class Document:
    """One document of a batch: its content pages and what started it.

    ``pages`` and ``blank_pages`` hold batch indexes; ``cover_page`` is the index of
    the cover sheet that opened it, kept as evidence.
    """

    pages: tuple[int, ...]
    blank_pages: tuple[int, ...] = ()
    cover: CoverSheet | None = None
    cover_page: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when not one page with content belongs to the document."""
        return not self.pages


@dataclass(frozen=True)
class Split:
    """The documents of a batch, in feeder order, and the batch's own problems."""

    documents: tuple[Document, ...]
    problems: tuple[str, ...] = ()


@dataclass
class _Builder:
    cover: CoverSheet | None = None
    cover_page: int | None = None
    pages: list[int] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def build(self) -> Document:
        problems = list(self.problems)
        if not self.pages:
            where = (
                f"after the cover on page {self.cover_page}"
                if self.cover_page is not None
                else "in the batch"
            )
            problems.append(f"empty document: no page with content {where}")
        elif self.cover and self.cover.expected_pages != len(self.pages):
            problems.append(
                f"the cover on page {self.cover_page} announces "
                f"{self.cover.expected_pages} pages, the document has {len(self.pages)}"
            )
        return Document(
            pages=tuple(self.pages),
            blank_pages=tuple(self.blank),
            cover=self.cover,
            cover_page=self.cover_page,
            problems=tuple(problems),
        )


def split_batch(
    pages: Sequence[PageRecord], read_cover: CoverReader = read_cover_sheet
) -> Split:
    """Split at cover sheets; without any, the whole batch is one document.

    Pages before the first cover form a document of their own, reported, because the
    clerk probably forgot a cover there. Every page is looked at for a cover, blank
    or not: a blank detector may well call a cover sheet mostly white.
    """
    if not pages:
        return Split(documents=(), problems=(_NO_PAGES,))

    docs: list[Document] = []
    current = _Builder()
    for page in pages:
        cover, problem = _cover_of(page, read_cover)
        if cover is not None:
            if current.cover_page is not None or current.pages or current.blank:
                docs.append(current.build())
            current = _Builder(cover=cover, cover_page=page.index)
            continue
        if problem:
            current.problems.append(problem)
        _place(current, page)
    docs.append(current.build())

    problems = _batch_problems(docs, pages)
    for problem in problems:
        log.info("batch split: %s", problem)
    return Split(documents=tuple(docs), problems=tuple(problems))


def split_at(pages: Sequence[PageRecord], indexes: Sequence[int]) -> Split:
    """Split where an operator chose: each index in ``indexes`` starts a document.

    The batch's first page always starts one, so it need not be listed. Cover sheets
    are not looked for: the operator's choice stands.
    """
    if not pages:
        return Split(documents=(), problems=(_NO_PAGES,))
    known = {page.index for page in pages}
    unknown = sorted(set(indexes) - known)
    if unknown:
        raise SplitError(
            f"split points {unknown} are not pages of this batch "
            f"(pages {min(known, default=0)}-{max(known, default=0)}); choose again"
        )

    starts = set(indexes)
    docs: list[Document] = []
    current = _Builder()
    for page in pages:
        if page.index in starts and (current.pages or current.blank):
            docs.append(current.build())
            current = _Builder()
        _place(current, page)
    docs.append(current.build())
    return Split(documents=tuple(docs), problems=tuple(_batch_problems(docs, pages)))


def _cover_of(
    page: PageRecord, read_cover: CoverReader
) -> tuple[CoverSheet | None, str | None]:
    if page.cover_read:
        problem = page.cover_problem
        return page.cover, (f"page {page.index}: {problem}" if problem else None)
    try:
        return read_cover(page.load()), None
    except (CoverSheetError, ImageError) as exc:
        # The page is kept in its document and the operator decides: a guessed
        # split would file pages under the wrong case, and one unreadable file
        # must not stop the batch.
        return None, f"page {page.index}: {exc.message}"


def _place(builder: _Builder, page: PageRecord) -> None:
    (builder.blank if page.blank or page.failed else builder.pages).append(page.index)


def _batch_problems(docs: Sequence[Document], pages: Sequence[PageRecord]) -> list[str]:
    problems: list[str] = []
    failed = [page.index for page in pages if page.failed]
    if failed:
        problems.append(f"page(s) {_listing(failed)} could not be processed")
    if all(page.blank for page in pages):
        problems.append(f"all {len(pages)} pages of the batch are blank")
    if len(docs) > 1 and docs[0].cover is None and docs[1].cover is not None:
        problems.append(
            f"no cover sheet before page(s) "
            f"{_listing(docs[0].pages or docs[0].blank_pages)}; a cover may be missing"
        )
    problems += [p for doc in docs for p in doc.problems]
    return problems


def _listing(indexes: Sequence[int]) -> str:
    return ", ".join(str(i) for i in indexes)
