"""Decide which catalog item a document is filed under, from its OCR text.

A court document announces itself in its first lines: the court's name, a title such
as 执行通知书, the case number. The title therefore weighs most. The *title line* is
the first short line among the first five non-empty lines of the first page that
reads like a title: it ends in 书, 表, 令, 笔录, 报告 … An item whose keyword ends the
title line scores most, the longest such keyword fully and shorter ones in proportion
(协助执行通知书 beats 执行通知书); a keyword inside the title line (the 委托评估 of
委托评估函) scores less. OCR that gets one character of a long keyword wrong still
matches, at 90 %.

Some titles match no item: 执行裁定书 may order a seizure (Z12), end the present
enforcement (Z20) or reject an objection (Z19). For those the body decides, and within
the body the operative part after 裁定如下 / 决定如下 weighs most, through a table of
decisive phrases. The type of the document's own case number counts too (an 执异 case
is an objection, Z19). Every keyword of every item found anywhere in the text adds a
little, longer keywords more, since two-character words such as 查封 turn up in
documents of many items. A title region that names one volume (副卷) halves the
scores of the other volume's items, which share titles such as 卷宗封面 and 备考表.

The best score's share of the two best scores, damped when the best score is weak, is
the confidence. Below the threshold the document goes to an operator for review rather
than being filed by a guess, and so does a tie. So does a title that both volumes use
(卷宗封面, 卷内目录, 备考表, 卷底) on a page that names neither volume: it is not put
into the 正卷 by default, because the parties may read the 正卷 and internal material
must not land there by chance. A cover sheet naming an item
overrides all of this, and a 协助执行通知书 goes with the ruling just before it when
that ruling is known.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from station.documents._caseno import find_case_numbers
from station.documents._catalog import Catalog, CatalogItem, Volume
from station.documents._errors import CatalogError

log = logging.getLogger(__name__)

#: Endings of a line that make it read as a document's title.
TITLE_ENDINGS = (
    "书", "表", "令", "单", "录", "告", "函", "证", "据", "卡", "票", "稿", "要",
    "明", "条", "目录", "封面", "卷宗", "卷底", "封底", "协议", "批复", "请示",
    "须知", "凭证", "回执", "决定", "方案", "材料", "结果",
)  # fmt: skip

#: Phrases that decide a document whose title matches no item (执行裁定书, 决定书),
#: as (phrase, item code), most specific first: in the operative part only the first
#: found counts, so a 终本 ruling that recalls an earlier seizure stays Z20.
DECISIVE_PHRASES: tuple[tuple[str, str], ...] = (
    ("终结本次执行程序", "Z20"),
    ("本次执行程序", "Z20"),
    ("驳回异议", "Z19"),
    ("驳回复议", "Z19"),
    ("异议请求", "Z19"),
    ("复议请求", "Z19"),
    ("拍卖", "Z16"),
    ("变卖", "Z16"),
    ("以物抵债", "Z16"),
    ("买受人", "Z16"),
    ("失信被执行人名单", "Z13"),
    ("纳入失信", "Z13"),
    ("限制消费", "Z13"),
    ("拘留", "Z14"),
    ("罚款", "Z14"),
    ("查封", "Z12"),
    ("冻结", "Z12"),
    ("扣押", "Z12"),
    ("划拨", "Z12"),
)

#: Case types whose every document is examined under one item: (type, item code).
CASE_TYPE_ITEMS: tuple[tuple[str, str], ...] = (("执异", "Z19"), ("执复", "Z19"))

#: Titles that follow the ruling before them into its item.
FOLLOWS_PREVIOUS = ("协助执行通知书",)

#: Endings of a line that is a sentence or a label, never a title.
_CLAUSE_ENDS = ("。", ":", "：", ",", "，", ";", "；", "号")

#: Markers of a ruling's operative part.
_OPERATIVE = re.compile(r"(裁定|决定|判决)如下?")
#: A remark in brackets closing a title line, as in 执行卷宗（副卷）; OCR reads the
#: opening bracket as 〈 or < at times.
_REMARK = re.compile(r"[(〈<\[【][^()〈〉<>]{1,6}[)〉>\]】]$")

_MAX_TITLE_CHARS = 24
#: A line without a title ending is taken as the title only this short and this high.
_BARE_TITLE_CHARS = 16
_BARE_TITLE_LINES = 3
#: ... and only when one keyword covers most of it, so a sentence cut short by OCR
#: (我举报被执行人刘某某隐) is not taken for the title of 被执行人's item.
_BARE_COVER = 0.6
_FUZZY_MIN_CHARS = 4
_TITLE_END_POINTS = 10.0
_TITLE_INSIDE_POINTS = 6.0
_OPERATIVE_POINTS = 8.0
_CASE_TYPE_POINTS = 4.0
_DECISIVE_BODY_POINTS = 2.0
_OTHER_VOLUME_FACTOR = 0.5
#: An item of the other volume matching the title at least this well makes the
#: volume unsure (人民法院执行卷宗 of Z01 against 执行卷宗 of F01 gives 0.5).
_SHARED_TITLE_SHARE = 0.5
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
    """A document's text prepared once: title region, all text, operative part."""

    region: tuple[str, ...]
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
        decisive_phrases: Sequence[tuple[str, str]] = DECISIVE_PHRASES,
        case_type_items: Sequence[tuple[str, str]] = CASE_TYPE_ITEMS,
        follows_previous: Sequence[str] = FOLLOWS_PREVIOUS,
    ) -> None:
        for hint, code in (*decisive_phrases, *case_type_items):
            if code not in catalog:
                raise CatalogError(
                    f"the classifier hint {hint} points to item {code}, which "
                    f"catalog {catalog.source} lacks; adjust the hints to its codes"
                )
        self.catalog = catalog
        self.threshold = threshold
        self.title_lines = title_lines
        self.decisive = tuple(decisive_phrases)
        self.case_types = dict(case_type_items)
        self.follows_previous = tuple(follows_previous)

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

        title = self._title_line(text.region)
        if title.endswith(self.follows_previous) and previous and previous.item:
            return Classification(
                previous.item,
                previous.confidence,
                Basis.PREVIOUS,
                title=title,
                reason=f"{title} follows the document before it",
            )

        title_scores = self._title_scores(title)
        scores = self._body_scores(text, title_scores)
        result = self._decide(scores, title, bool(title_scores))
        if result.item and self._volume_unsure(result.item, title, text.region):
            reason = "the title fits both volumes and the page names neither"
            return dataclasses.replace(result, item=None, reason=reason)
        return result

    def _prepare(self, pages: Sequence[str]) -> _Text:
        lines_by_page = [_clean_lines(page) for page in pages]
        first = lines_by_page[0] if lines_by_page else []
        body = "".join(line for lines in lines_by_page for line in lines)
        marker = _OPERATIVE.search(body)
        operative = body[marker.end() :] if marker else ""
        return _Text(tuple(first[: self.title_lines]), body, operative)

    def _title_line(self, region: Sequence[str]) -> str:
        """The first short line of the title region that reads like a title.

        The allowance of 24 characters admits a court's name before the title on one
        line (河南省桐柏县人民法院执行裁定书) but not a sentence of the body. When OCR
        garbled the title's last character (委托评估国), a short line near the top
        mostly made of one keyword of four or more characters stands in for it.
        """
        cores = [_REMARK.sub("", line) for line in region]
        for core in cores:
            if 2 <= len(core) <= _MAX_TITLE_CHARS and core.endswith(TITLE_ENDINGS):
                return core
        for core in cores[:_BARE_TITLE_LINES]:
            if len(core) > _BARE_TITLE_CHARS or core.endswith(_CLAUSE_ENDS):
                continue
            covered = max(
                _best_match(item.keywords_zh, core, at_end=False)
                for item in self.catalog
            )
            if covered >= _FUZZY_MIN_CHARS and covered >= _BARE_COVER * len(core):
                return core
        return ""

    def _title_scores(self, title: str) -> dict[str, float]:
        """Points for items whose keywords end or sit inside the title line.

        OCR often gets one character of a title wrong (限制销费令); a keyword of four
        or more characters still matches with one character different, at 90 %.
        """
        if not title:
            return {}
        ends = {
            item.code: _best_match(item.keywords_zh, title, True)
            for item in self.catalog
        }
        longest = max(ends.values(), default=0.0)
        scores: dict[str, float] = {}
        for item in self.catalog:
            inside = _best_match(item.keywords_zh, title, False)
            if ends[item.code]:
                scores[item.code] = _TITLE_END_POINTS * ends[item.code] / longest
            elif inside:
                scores[item.code] = _TITLE_INSIDE_POINTS * min(1.0, inside / 4)
        return scores

    def _body_scores(
        self, text: _Text, title_scores: Mapping[str, float]
    ) -> dict[str, float]:
        scores: dict[str, float] = {}
        for item in self.catalog:
            found = (k for k in item.keywords_zh if k in text.body)
            body = sum(_keyword_weight(k) for k in found)
            scores[item.code] = title_scores.get(item.code, 0.0) + body

        if not title_scores:
            self._add_decisive(scores, text)
        region = "".join(text.region)
        self._add_case_type(scores, region)
        self._weigh_volume(scores, region)
        return scores

    def _add_case_type(self, scores: dict[str, float], region: str) -> None:
        """Credit the item of the document's own case type (执异 → Z19)."""
        own = find_case_numbers(region)
        code = self.case_types.get(str(own[0].type)) if own else None
        if code:
            scores[code] += _CASE_TYPE_POINTS

    def _add_decisive(self, scores: dict[str, float], text: _Text) -> None:
        """Let the operative part of a ruling with an unspecific title decide."""
        for phrase, code in self.decisive:
            if phrase in text.operative:
                scores[code] += _OPERATIVE_POINTS
                return
        for phrase, code in self.decisive:
            if phrase in text.body:
                scores[code] += _DECISIVE_BODY_POINTS

    def _weigh_volume(self, scores: dict[str, float], region: str) -> None:
        """Halve the other volume's items when the title region names one volume."""
        named = [volume for volume in Volume if volume.value in region]
        if len(named) != 1:
            return
        for item in self.catalog:
            if item.volume is not named[0]:
                scores[item.code] *= _OTHER_VOLUME_FACTOR

    def _volume_unsure(
        self, item: CatalogItem, title: str, region: Sequence[str]
    ) -> bool:
        """True when a 正卷 item's title ends a 副卷 item's title about as well.

        卷宗封面, 卷内目录, 备考表 and 卷底 exist in both volumes. Filing internal
        material in the 正卷, which the parties may read, is worse than asking, so
        unless the title region says 正卷 or 副卷 such a page goes to review. The
        other way round, public material filed in the 副卷 leaks nothing.
        """
        own = _best_match(item.keywords_zh, title, at_end=True)
        if item.volume is not Volume.MAIN or not own:
            return False
        if any(volume.value in "".join(region) for volume in Volume):
            return False
        return any(
            other.volume is Volume.INTERNAL
            and _best_match(other.keywords_zh, title, at_end=True)
            >= _SHARED_TITLE_SHARE * own
            for other in self.catalog
        )

    def _decide(
        self, scores: Mapping[str, float], title: str, title_matched: bool
    ) -> Classification:
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        (best_code, best), (_, second) = ranked[0], ranked[1]
        candidates = tuple((code, round(score, 2)) for code, score in ranked[:3])
        if best <= 0:
            return Classification(
                None, 0.0, Basis.NONE, title, candidates, "no keyword found"
            )

        share = best / (best + second)
        confidence = round(share * min(1.0, best / _STRONG_SCORE), 3)
        basis = Basis.TITLE if title_matched else Basis.BODY
        if confidence < self.threshold or best == second:
            reason = f"confidence {confidence} below {self.threshold} or a tie"
            log.debug("review: %s (candidates %s)", reason, candidates)
            return Classification(None, confidence, basis, title, candidates, reason)

        item = self.catalog.item(best_code)
        return Classification(item, confidence, basis, title, candidates, "keywords")


def _best_match(keywords: Sequence[str], title: str, at_end: bool) -> float:
    """Length of the longest keyword found in the title, 0.9 x for a near match.

    A near match is one character replaced, dropped or added (限制销费令, 络询价报告,
    罚和天决定书 for 罚款决定书), allowed for keywords of four characters or more.
    """
    best = 0.0
    for keyword in keywords:
        if keyword in title and (not at_end or title.endswith(keyword)):
            best = max(best, float(len(keyword)))
        elif len(keyword) >= _FUZZY_MIN_CHARS and _near_in(keyword, title, at_end):
            best = max(best, 0.9 * len(keyword))
    return best


def _near_in(keyword: str, title: str, at_end: bool) -> bool:
    """True when a window of the title is one edit away from the keyword.

    Inside the title only a replaced character counts: allowing a dropped one there
    would let 执行方案 match the 执行案 of 执行案件立案审批表.
    """
    sizes = (
        (len(keyword) - 1, len(keyword), len(keyword) + 1)
        if at_end
        else (len(keyword),)
    )
    for size in sizes:
        last = len(title) - size
        starts = [last] if at_end else range(last + 1)
        if any(_one_edit(keyword, title[i : i + size]) for i in starts if i >= 0):
            return True
    return False


def _one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one character replaced, dropped or added."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) - len(short) != 1:
        return False
    pairs = zip(short, long[: len(short)], strict=True)
    cut = next((i for i, (x, y) in enumerate(pairs) if x != y), len(short))
    return short[cut:] == long[cut + 1 :]


def _keyword_weight(keyword: str) -> float:
    """Longer keywords are rarer outside their own item, so they count more."""
    return 1.0 if len(keyword) >= 4 else 0.6


def _clean_lines(page: str) -> list[str]:
    """NFKC, spaces removed (Tesseract puts them between Chinese characters)."""
    text = unicodedata.normalize("NFKC", page)
    lines = (re.sub(r"\s+", "", line) for line in text.splitlines())
    return [line for line in lines if line]
