"""Decide which catalog item a document is filed under, from its OCR text.

A court document announces itself in its first lines: the court's name, a title such
as 执行通知书, the case number. The title therefore weighs most. It is looked for
among the first few non-empty lines of the first page, as a line ending in one of the
catalog's keywords that reads like a document title (ends in 书, 表, 令, 笔录 …).

Some titles say little: 执行裁定书 may order a seizure (Z12), end the present
enforcement (Z20) or reject an objection (Z19). For those *generic* titles the body
decides, and within the body the operative part after 裁定如下 / 决定如下 weighs most,
through a small table of decisive phrases. Every keyword of every item found anywhere
in the text adds a little, longer keywords more, since two-character words such as
查封 turn up in documents of many items.

The best score's share of the two best scores, damped when the best score is weak,
is the confidence. Below the threshold the document goes to an operator for review
rather than being filed by a guess. A cover sheet naming an item overrides all of
this, and a 协助执行通知书 goes with the ruling just before it when that is known.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from station.documents._catalog import Catalog, CatalogItem
from station.documents._errors import CatalogError

log = logging.getLogger(__name__)

#: Endings that make a keyword read as a document title rather than a body phrase.
TITLE_ENDINGS = (
    "书", "表", "令", "单", "录", "告", "函", "证", "据", "卡", "票", "稿", "要",
    "目录", "封面", "卷宗", "卷底", "封底", "协议", "批复", "请示", "须知", "凭证",
    "回执", "明", "条",
)  # fmt: skip

#: Titles shared by documents of many items: the body decides.
GENERIC_TITLES = ("执行裁定书", "执行决定书", "裁定书", "决定书", "通知书")

#: Phrases that decide a generic title, from the catalog notes: (phrase, item code).
DECISIVE_PHRASES: tuple[tuple[str, str], ...] = (
    ("终结本次执行程序", "Z20"),
    ("驳回异议", "Z19"),
    ("驳回复议", "Z19"),
    ("查封", "Z12"),
    ("冻结", "Z12"),
    ("扣押", "Z12"),
)

#: Titles that follow the ruling before them into its item.
FOLLOWS_PREVIOUS = ("协助执行通知书",)

#: Markers of a ruling's operative part.
_OPERATIVE = re.compile(r"(裁定|决定|通知|判决)如下[:：]?")

_TITLE_POINTS = 10.0
_TITLE_REGION_POINTS = 2.0
_OPERATIVE_POINTS = 8.0
_DECISIVE_BODY_POINTS = 2.0
#: A best score at or above this is "strong"; weaker scores damp the confidence.
_STRONG_SCORE = 6.0


class Basis(StrEnum):
    """What a classification rests on, for the review screen and the logs."""

    COVER = "cover"
    TITLE = "title"
    BODY = "body"
    PREVIOUS = "previous"
    NONE = "none"


@dataclass(frozen=True)
class Classification:
    """The item a document is filed under, or None when an operator must decide."""

    item: CatalogItem | None
    confidence: float
    basis: Basis
    title: str = ""
    candidates: tuple[tuple[str, float], ...] = ()
    reason: str = ""

    @property
    def needs_review(self) -> bool:
        """True when no item was decided and the document waits for an operator."""
        return self.item is None


@dataclass(frozen=True)
class _Text:
    """A document's text prepared once: title region lines and all text joined."""

    title_lines: tuple[str, ...]
    body: str
    operative: str


class Classifier:
    """Keyword scoring over one catalog; build once, classify many documents."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        threshold: float = 0.5,
        title_lines: int = 5,
        generic_titles: Sequence[str] = GENERIC_TITLES,
        decisive_phrases: Sequence[tuple[str, str]] = DECISIVE_PHRASES,
        follows_previous: Sequence[str] = FOLLOWS_PREVIOUS,
    ) -> None:
        for phrase, code in decisive_phrases:
            if code not in catalog:
                raise CatalogError(
                    f"the decisive phrase {phrase} points to item {code}, which "
                    f"catalog {catalog.source} lacks; adjust the phrases to its codes"
                )
        self.catalog = catalog
        self.threshold = threshold
        self.title_lines = title_lines
        self.generic_titles = tuple(generic_titles)
        self.decisive = tuple(decisive_phrases)
        self.follows_previous = tuple(follows_previous)
        self._titles = _title_keywords(catalog, self.generic_titles)
        self._title_set = frozenset(self._titles)

    def classify(
        self,
        pages: Sequence[str],
        *,
        cover_item: str | None = None,
        previous: Classification | None = None,
    ) -> Classification:
        """Classify one document from the OCR text of its pages, first page first.

        ``cover_item`` is the code a cover sheet gave; it wins outright. ``previous``
        is the classification of the document before this one in the batch.
        """
        if cover_item is not None:
            item = self.catalog.item(cover_item)
            return Classification(item, 1.0, Basis.COVER, reason="cover sheet")

        text = self._prepare(pages)
        if not text.body:
            return Classification(None, 0.0, Basis.NONE, reason="no text")

        title = self._find_title(text.title_lines)
        if title in self.follows_previous and previous and previous.item:
            return Classification(
                previous.item,
                previous.confidence,
                Basis.PREVIOUS,
                title=title,
                reason=f"{title} follows the document before it",
            )

        scores = self._score(text, title)
        return self._decide(scores, title)

    def _prepare(self, pages: Sequence[str]) -> _Text:
        lines_by_page = [_clean_lines(page) for page in pages]
        first = lines_by_page[0] if lines_by_page else []
        body = "".join(line for lines in lines_by_page for line in lines)
        marker = _OPERATIVE.search(body)
        operative = body[marker.end() :] if marker else ""
        return _Text(tuple(first[: self.title_lines]), body, operative)

    def _find_title(self, lines: Sequence[str]) -> str:
        """The longest title keyword that ends a short line of the title region.

        A line may carry the court's name before the title (河南省桐柏县人民法院
        执行裁定书), hence the allowance of a dozen characters.
        """
        best = ""
        for line in lines:
            for keyword in self._titles:
                fits = line.endswith(keyword) and len(line) <= len(keyword) + 12
                if fits and len(keyword) > len(best):
                    best = keyword
        return best

    def _score(self, text: _Text, title: str) -> dict[str, float]:
        region = "".join(text.title_lines)
        generic = title in self.generic_titles
        scores: dict[str, float] = {}
        for item in self.catalog:
            score = 0.0
            for keyword in item.keywords_zh:
                if keyword == title and not generic:
                    score += _TITLE_POINTS
                elif keyword in region and keyword in self._title_set:
                    score += _TITLE_REGION_POINTS
                elif keyword in text.body:
                    score += _keyword_weight(keyword)
            scores[item.code] = score

        if generic or not title:
            self._add_decisive(scores, text)
        return scores

    def _add_decisive(self, scores: dict[str, float], text: _Text) -> None:
        """Let the operative part of a generic ruling decide its item.

        Only the first decisive phrase found in the operative part counts, in the
        table's order, so a 终本 ruling that mentions an earlier seizure stays Z20.
        """
        for phrase, code in self.decisive:
            if phrase in text.operative:
                scores[code] += _OPERATIVE_POINTS
                return
        for phrase, code in self.decisive:
            if phrase in text.body:
                scores[code] += _DECISIVE_BODY_POINTS

    def _decide(self, scores: Mapping[str, float], title: str) -> Classification:
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        (best_code, best), (_, second) = ranked[0], ranked[1]
        candidates = tuple((code, round(score, 2)) for code, score in ranked[:3])
        if best <= 0:
            return Classification(
                None, 0.0, Basis.NONE, title, candidates, "no keyword found"
            )

        share = best / (best + second)
        confidence = round(share * min(1.0, best / _STRONG_SCORE), 3)
        basis = (
            Basis.TITLE if title and title not in self.generic_titles else Basis.BODY
        )
        if confidence < self.threshold:
            reason = f"confidence {confidence} below {self.threshold}"
            log.debug("review: %s (candidates %s)", reason, candidates)
            return Classification(None, confidence, basis, title, candidates, reason)

        item = self.catalog.item(best_code)
        return Classification(item, confidence, basis, title, candidates, "keywords")


def _title_keywords(catalog: Catalog, generic: Sequence[str]) -> tuple[str, ...]:
    keywords = {k for item in catalog for k in item.keywords_zh}
    titles = {k for k in keywords if len(k) >= 3 and k.endswith(TITLE_ENDINGS)}
    return tuple(sorted(titles | set(generic), key=len, reverse=True))


def _keyword_weight(keyword: str) -> float:
    """Longer keywords are rarer outside their own item, so they count more."""
    return 1.0 if len(keyword) >= 4 else 0.6


def _clean_lines(page: str) -> list[str]:
    """NFKC, spaces removed (Tesseract puts them between Chinese characters)."""
    text = unicodedata.normalize("NFKC", page)
    lines = (re.sub(r"\s+", "", line) for line in text.splitlines())
    return [line for line in lines if line]
