"""The catalog loads as shipped, and every mistake in a court's file names itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from station._errors import ConfigError
from station.documents import (
    CatalogError,
    Classifier,
    Node,
    Volume,
    default_catalog_path,
    load_catalog,
)


def shipped() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(default_catalog_path().read_text("utf-8"))
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_shipped_catalog_has_both_volumes_in_order() -> None:
    catalog = load_catalog()

    assert len(catalog) == 35
    codes = [item.code for item in catalog]
    assert codes[0] == "Z01" and codes[23] == "Z24" and codes[-1] == "F11"
    assert sum(item.volume is Volume.MAIN for item in catalog) == 24
    assert sum(item.volume is Volume.INTERNAL for item in catalog) == 11
    assert catalog.item("Z12").node is Node.SEIZURE
    assert catalog.item("Z10").node is Node.ONLINE_SEARCH
    assert catalog.item("Z01").node is None
    assert catalog.item("Z20").keywords_zh[0] == "终结本次执行程序"


def test_another_file_can_replace_the_shipped_one(tmp_path: Path) -> None:
    data = shipped()[:2]
    data[0]["name_zh"] = "封面"

    catalog = load_catalog(write(tmp_path, data))

    assert [item.code for item in catalog] == ["Z01", "Z02"]
    assert catalog.item("Z01").name_zh == "封面"
    assert catalog.source == str(tmp_path / "catalog.json")


def test_duplicate_codes_are_refused_naming_the_code(tmp_path: Path) -> None:
    data = shipped()
    data[6]["code"] = "Z05"

    with pytest.raises(CatalogError) as caught:
        load_catalog(write(tmp_path, data))

    assert "code Z05 is used by items 5 and 7" in caught.value.message
    assert isinstance(caught.value, ConfigError)
    assert caught.value.exit_code == 2


def test_missing_field_is_refused_naming_item_and_field(tmp_path: Path) -> None:
    data = shipped()
    del data[3]["volume"]

    with pytest.raises(CatalogError, match=r"item 4 \(Z04\) lacks field\(s\) volume"):
        load_catalog(write(tmp_path, data))


def test_unknown_volume_is_refused_listing_the_allowed_ones(tmp_path: Path) -> None:
    data = shipped()
    data[1]["volume"] = "正本"

    with pytest.raises(
        CatalogError, match="item 2 \\(Z02\\): volume '正本' is unknown"
    ):
        load_catalog(write(tmp_path, data))


def test_unknown_node_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data[9]["node"] = "查控"

    with pytest.raises(CatalogError, match=r"Z10.*node '查控' is unknown"):
        load_catalog(write(tmp_path, data))


def test_duplicate_order_within_a_volume_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data[2]["order"] = 2

    with pytest.raises(CatalogError, match="items Z02 and Z03 both have order 2"):
        load_catalog(write(tmp_path, data))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ("[]", "must be a non-empty JSON list"),
        ('{"code": "Z01"}', "must be a non-empty JSON list"),
        ('["Z01"]', "item 1 is not a JSON object"),
    ],
)
def test_malformed_files_are_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CatalogError, match=re.escape(message)):
        load_catalog(path)


def test_absent_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot be read"):
        load_catalog(tmp_path / "nowhere.json")


def test_looking_up_a_missing_item_names_it() -> None:
    with pytest.raises(CatalogError, match="has no item 'Z99'"):
        load_catalog().item("Z99")


def test_classifier_refuses_a_catalog_missing_an_item_it_needs(tmp_path: Path) -> None:
    data = [item for item in shipped() if item["code"] != "Z19"]
    catalog = load_catalog(write(tmp_path, data))

    with pytest.raises(CatalogError, match="hint 驳回异议 points to item Z19"):
        Classifier(catalog)
