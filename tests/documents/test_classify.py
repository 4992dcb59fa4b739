"""Documents are filed under the right item, or sent to review rather than guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.documents import Basis, CatalogError, Classifier, load_catalog

OCR_DIR = Path(__file__).parent.parent / "fixtures" / "documents" / "ocr"

HEADER = "河南省桐柏县人民法院\n"
PARTIES = "申请执行人：某某农村商业银行股份有限公司。\n被执行人：张某某。\n"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_catalog())


def ruling(operative: str, facts: str = "") -> str:
    return (
        f"{HEADER}执 行 裁 定 书\n（2026）豫1330执1234号\n{PARTIES}"
        f"本院在执行申请执行人与被执行人借款合同纠纷一案中，{facts}裁定如下：\n"
        f"{operative}\n本裁定立即执行。"
    )


def test_seizure_ruling_is_decided_by_its_operative_part(
    classifier: Classifier,
) -> None:
    result = classifier.classify([ruling("查封被执行人张某某名下房产一套。")])

    assert result.item is not None and result.item.code == "Z12"
    assert result.basis is Basis.BODY, "执行裁定书 names no item: the body decides"
    assert result.title == "执行裁定书"


def test_ruling_ending_enforcement_stays_z20_despite_an_earlier_seizure(
    classifier: Classifier,
) -> None:
    facts = "本院查封了被执行人车辆一辆，经网络查控未发现其他财产。"
    result = classifier.classify([ruling("终结本次执行程序。", facts)])

    assert result.item is not None and result.item.code == "Z20"


def test_ruling_rejecting_an_objection_is_z19(classifier: Classifier) -> None:
    facts = "案外人对本院查封房产的执行行为提出异议。"
    result = classifier.classify([ruling("驳回异议人李某某的异议请求。", facts)])

    assert result.item is not None and result.item.code == "Z19"


def test_specific_title_wins_over_body_words(classifier: Classifier) -> None:
    text = (
        f"{HEADER}执行通知书\n（2026）豫1330执1234号\n张某某：\n"
        "逾期不履行，本院将依法查封、扣押、冻结你的财产，并纳入失信被执行人名单。"
    )

    result = classifier.classify([text])

    assert result.item is not None and result.item.code == "Z08"
    assert result.basis is Basis.TITLE
    assert result.confidence >= 0.8


def test_a_title_word_deep_in_the_body_is_not_the_title(classifier: Classifier) -> None:
    body = "\n".join(["本院依法查明以下事实。"] * 6)
    text = f"{body}\n执行通知书\n"

    result = classifier.classify([text])

    assert result.title == ""


def test_assistance_notice_follows_the_ruling_before_it(classifier: Classifier) -> None:
    auction = classifier.classify(
        [ruling("被执行人名下房产归买受人所有。", "经网络司法拍卖，买受人竞得。")]
    )
    notice = f"{HEADER}协助执行通知书\n（2026）豫1330执1234号\n桐柏县不动产登记中心："

    after = classifier.classify([notice], previous=auction)
    alone = classifier.classify([notice])

    assert auction.item is not None and auction.item.code == "Z16"
    assert after.item == auction.item and after.basis is Basis.PREVIOUS
    assert alone.item is not None and alone.item.code == "Z12"


def test_cover_sheet_item_overrides_the_text(classifier: Classifier) -> None:
    result = classifier.classify([ruling("查封被执行人房产。")], cover_item="Z18")

    assert result.item is not None and result.item.code == "Z18"
    assert (result.confidence, result.basis) == (1.0, Basis.COVER)


def test_cover_sheet_naming_an_unknown_item_is_refused(classifier: Classifier) -> None:
    with pytest.raises(CatalogError, match="'Z99'"):
        classifier.classify(["执行通知书"], cover_item="Z99")


@pytest.mark.parametrize("pages", [[], [""], ["  \n\f\n "], ["", ""]])
def test_document_without_text_goes_to_review(
    classifier: Classifier, pages: list[str]
) -> None:
    result = classifier.classify(pages)

    assert result.needs_review
    assert (result.confidence, result.basis, result.reason) == (
        0.0,
        Basis.NONE,
        "no text",
    )


def test_text_without_any_keyword_goes_to_review(classifier: Classifier) -> None:
    result = classifier.classify(["Lorem ipsum dolor sit amet\n第 3 页"])

    assert result.needs_review
    assert result.reason == "no keyword found"


def test_a_tie_between_volumes_goes_to_review(classifier: Classifier) -> None:
    plain = classifier.classify(["卷底"])
    internal = classifier.classify(["卷底（副卷）"])

    assert plain.needs_review, "卷底 alone fits both volumes equally"
    assert [c for c, _ in plain.candidates[:2]] == ["Z24", "F11"]
    assert internal.item is not None and internal.item.code == "F11"


def test_threshold_is_a_setting(classifier: Classifier) -> None:
    text = "本院依法冻结被执行人存款。"
    lenient = Classifier(classifier.catalog, threshold=0.1).classify([text])
    strict = Classifier(classifier.catalog, threshold=0.99).classify([text])

    assert lenient.item is not None and lenient.item.code == "Z12"
    assert strict.needs_review


def ocr_fixtures() -> list[Path]:
    return sorted(OCR_DIR.glob("*.txt"))


@pytest.mark.parametrize("path", ocr_fixtures(), ids=lambda p: p.stem)
def test_tesseract_output_of_rendered_documents(
    classifier: Classifier, path: Path
) -> None:
    expected = path.stem.split("-")[0]

    result = classifier.classify(path.read_text(encoding="utf-8").split("\f"))

    assert result.item is not None, f"{path.name} went to review: {result.candidates}"
    assert result.item.code == expected
