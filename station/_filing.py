"""From a batch's final pages to filed documents: split, case, item, name, accounts.

This is the step between OCR and the outbox. It splits the batch at cover sheets,
finds each document's case number (from its cover, else from its text), files it
under a catalog item (the cover's, else the classifier's), dates it, names it by the
standard rule, and counts every page: fed, kept, blank, cover, failed, doubtful,
expected. Whatever does not add up is written into the document's ``problems`` and
the batch's accounts, and logged as a warning, so a mismatch is never silent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station._config import Config
from station.documents import (
    CaseNumber,
    Catalog,
    Classification,
    Classifier,
    CoverSheet,
    NamedDocument,
    Node,
    PageRecord,
    document_filename,
    find_case_numbers,
    load_catalog,
    page_case_conflict,
    parse_case_number,
    split_batch,
)
from station.documents._dates import find_document_date
from station.queue import Document, Page, PageState

log = logging.getLogger(__name__)

#: Page flags that make a page doubtful: an operator should look at it.
DOUBTFUL_FLAGS = frozenset(
    {"skew_unsure", "orientation_unsure", "low_dpi", "dpi_unknown"}
)


@dataclass
class PlannedDocument:
    """One document of a batch as it will be filed."""

    seq: int
    pages: list[Page]
    blank_pages: list[Page]
    failed_pages: list[Page]
    cover: CoverSheet | None
    cover_page: int | None
    case: CaseNumber | None
    classification: Classification
    date: str | None
    problems: list[str] = field(default_factory=list)
    item_seq: int = 1
    file_name: str = ""

    @property
    def needs_review(self) -> bool:
        return self.classification.needs_review or bool(self.problems)


@dataclass(frozen=True)
class FilingPlan:
    documents: list[PlannedDocument]
    accounting: dict[str, Any]


class Filer:
    """Files the documents of a batch; built once per daemon."""

    def __init__(self, config: Config) -> None:
        self.config = config
        path = config.documents.catalog
        self.catalog: Catalog = load_catalog(Path(path) if path else None)
        self.classifier = Classifier(
            self.catalog, threshold=config.documents.classify_threshold
        )

    def plan(self, batch_id: str, pages: list[Page], duplex: bool) -> FilingPlan:
        by_no = {page.page_no: page for page in pages}
        split = split_batch([self._record(page) for page in pages])
        planned: list[PlannedDocument] = []
        previous: Classification | None = None
        empty: list[str] = []
        for doc in split.documents:
            if doc.empty:
                empty += list(doc.problems)
                continue
            content = [by_no[i] for i in doc.pages]
            set_aside = [by_no[i] for i in doc.blank_pages]
            document = self._plan_one(
                len(planned) + 1,
                content,
                set_aside,
                doc.cover,
                doc.cover_page,
                previous,
            )
            document.problems[:0] = list(doc.problems)
            previous = document.classification
            planned.append(document)
        self._name(planned)
        accounting = self._accounts(pages, planned, split.problems, duplex)
        for problem in accounting["problems"]:
            log.warning("batch %s: %s", batch_id, problem)
        return FilingPlan(planned, accounting)

    def _record(self, page: Page) -> PageRecord:
        cover = _cover_from_json(page.cover) if page.cover else None
        problems = json.loads(page.problems or "[]")
        return PageRecord(
            index=page.page_no,
            blank=page.state == PageState.BLANK,
            failed=page.state == PageState.FAILED,
            cover_read=True,
            cover=cover,
            cover_problem="; ".join(problems) or None,
        )

    def _plan_one(
        self,
        seq: int,
        content: list[Page],
        set_aside: list[Page],
        cover: CoverSheet | None,
        cover_page: int | None,
        previous: Classification | None,
    ) -> PlannedDocument:
        texts = [page.text or "" for page in content]
        case = self._case(cover, texts)
        classification = self.classifier.classify(
            texts, cover_item=cover.item_code if cover else None, previous=previous
        )
        date = find_document_date("\n".join(texts))
        problems: list[str] = []
        if case is None:
            problems.append("no case number on a cover sheet or in the text")
        else:
            problems += [f"case {case.normalized}: {p}" for p in case.problems]
            for page, text in zip(content, texts, strict=True):
                other = page_case_conflict(text, case)
                if other is not None:
                    named = other.normalized or other.text
                    problems.append(
                        f"page {page.page_no} names case {named}, not the "
                        f"document's {case.normalized}"
                    )
        if classification.needs_review:
            problems.append(f"not filed under an item: {classification.reason}")
        return PlannedDocument(
            seq=seq,
            pages=[p for p in content if p.state == PageState.RECOGNISED],
            blank_pages=[p for p in set_aside if p.state == PageState.BLANK],
            failed_pages=[
                p for p in content + set_aside if p.state == PageState.FAILED
            ],
            cover=cover,
            cover_page=cover_page,
            case=case,
            classification=classification,
            date=date.isoformat() if date else None,
            problems=problems,
        )

    def _case(self, cover: CoverSheet | None, texts: list[str]) -> CaseNumber | None:
        court = self.config.documents.own_court
        old = tuple(self.config.documents.old_courts)
        if cover is not None:
            return parse_case_number(
                cover.case_number, own_court=court, own_old_courts=old
            )
        found = [
            case
            for text in texts
            for case in find_case_numbers(text, own_court=court, own_old_courts=old)
            if case.valid and case.is_enforcement
        ]
        if not found:
            return None
        counts = Counter(case.normalized for case in found)
        best = counts.most_common(1)[0][0]
        return next(case for case in found if case.normalized == best)

    def _name(self, planned: list[PlannedDocument]) -> None:
        """Hand out per-item sequences that continue those already on this station."""
        given: Counter[tuple[str, str]] = Counter()
        for doc in planned:
            case = doc.case.normalized if doc.case else ""
            code = doc.classification.item.code if doc.classification.item else ""
            key = (case, code)
            if key not in given:
                given[key] = (
                    Document.select()
                    .where(
                        (Document.case_number == case) & (Document.item_code == code)
                    )
                    .count()
                )
            given[key] += 1
            doc.item_seq = given[key]
            date = _parse_date(doc.date)
            doc.file_name = document_filename(
                NamedDocument(doc.case, doc.classification.item, date, doc.item_seq)
            )

    def _accounts(
        self,
        pages: list[Page],
        planned: list[PlannedDocument],
        split_problems: tuple[str, ...],
        duplex: bool,
    ) -> dict[str, Any]:
        def numbers(state: str) -> list[int]:
            return [p.page_no for p in pages if p.state == state]

        doubtful = [
            {"page_no": p.page_no, "flags": [f for f in p.flags.split(",") if f]}
            for p in pages
            if DOUBTFUL_FLAGS & set(p.flags.split(","))
        ]
        sheets = len([p for p in pages if p.side == "front"]) if duplex else len(pages)
        problems = list(dict.fromkeys([*split_problems]))
        for doc in planned:
            problems += [f"document {doc.seq}: {p}" for p in doc.problems]
        problems = list(dict.fromkeys(problems))
        return {
            "sheets_fed": sheets,
            "sides_captured": len(pages),
            "pages_kept": len(numbers(PageState.RECOGNISED)),
            "blank_pages": numbers(PageState.BLANK),
            "cover_pages": numbers(PageState.COVER),
            "failed_pages": numbers(PageState.FAILED),
            "doubtful_pages": doubtful,
            "documents": [
                {
                    "seq": doc.seq,
                    "case": doc.case.normalized if doc.case else None,
                    "item": doc.classification.item.code
                    if doc.classification.item
                    else None,
                    "file_name": doc.file_name,
                    "pages": len(doc.pages),
                    "expected_pages": doc.cover.expected_pages if doc.cover else None,
                }
                for doc in planned
            ],
            "problems": problems,
        }


def _cover_from_json(text: str) -> CoverSheet:
    data = json.loads(text)
    node = data.get("node")
    return CoverSheet(
        case_number=data["case_number"],
        item_code=data["item_code"],
        node=Node(node) if node else None,
        expected_pages=int(data["expected_pages"]),
        submission_id=data["submission_id"],
        item_name=data.get("item_name", ""),
        rotation_deg=int(data.get("rotation_deg", 0)),
    )


def _parse_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
