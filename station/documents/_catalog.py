"""Load and check the e-file catalog: the items a case file is filed under.

The catalog is configuration, not code. The table shipped beside this module is a
reasoned proposal (the court's own 执行流程系统 codes are not public), so a court
replaces it with a file of the same shape, and every mistake in that file is caught at
load time with a message naming the item and the field to correct, never later in the
middle of a batch.

The file is a JSON list of objects with ``code``, ``name_zh``, ``name_en``, ``volume``
(正卷 or 副卷), ``order`` (position within the volume, from 1), ``node`` (one of the
five enforcement nodes, or null) and ``keywords_zh`` (document titles first, then
phrases typical of the body). Unknown fields are ignored so that a newer file still
loads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TypeVar

from station.documents._errors import CatalogError

log = logging.getLogger(__name__)

_E = TypeVar("_E", bound=StrEnum)

_REQUIRED = ("code", "name_zh", "name_en", "volume", "order", "node", "keywords_zh")


class Volume(StrEnum):
    """正卷 is open to the parties; 副卷 holds internal material."""

    MAIN = "正卷"
    INTERNAL = "副卷"


class Node(StrEnum):
    """The five enforcement nodes whose deadlines the court tracks."""

    ONLINE_SEARCH = "网络查控"
    SEIZURE = "线下查封"
    INVESTIGATION = "传统调查"
    DISPOSAL = "财产处置"
    PAYOUT = "案款发放"


@dataclass(frozen=True)
class CatalogItem:
    """One heading of the case file, such as Z12 线下查封材料."""

    code: str
    name_zh: str
    name_en: str
    volume: Volume
    order: int
    node: Node | None
    keywords_zh: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """The items of both volumes, in file order, looked up by code."""

    items: tuple[CatalogItem, ...]
    source: str

    def __iter__(self) -> Iterator[CatalogItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, code: object) -> bool:
        return any(item.code == code for item in self.items)

    def item(self, code: str) -> CatalogItem:
        """The item with this code; a code the catalog lacks is a setting to fix."""
        for item in self.items:
            if item.code == code:
                return item
        raise CatalogError(
            f"catalog {self.source} has no item {code!r}; use one of its codes "
            f"({self.items[0].code} … {self.items[-1].code}) or add the item"
        )


def default_catalog_path() -> Path:
    """The proposal shipped with the package, used when no court file is set."""
    return Path(str(resources.files("station.documents").joinpath("catalog.json")))


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and check a catalog file; the package's proposal when ``path`` is None."""
    source = path or default_catalog_path()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(
            f"catalog {source} cannot be read ({exc}); check the catalog path setting"
        ) from exc

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"catalog {source} is not valid JSON (line {exc.lineno}, column "
            f"{exc.colno}: {exc.msg}); fix the file or restore the shipped one"
        ) from exc

    catalog = parse_catalog(data, source=str(source))
    log.debug("catalog %s: %d items", source, len(catalog))
    return catalog


def parse_catalog(data: object, source: str = "catalog") -> Catalog:
    """Check decoded catalog JSON and build the items, refusing the first mistake.

    Codes must be unique across both volumes and orders unique within a volume,
    because documents are filed and sorted by them.
    """
    if not isinstance(data, list) or not data:
        raise CatalogError(f"catalog {source} must be a non-empty JSON list of items")

    items = [_parse_item(raw, pos, source) for pos, raw in enumerate(data, start=1)]

    seen: dict[str, int] = {}
    places: dict[tuple[Volume, int], str] = {}
    for pos, item in enumerate(items, start=1):
        if item.code in seen:
            raise CatalogError(
                f"catalog {source}: code {item.code} is used by items "
                f"{seen[item.code]} and {pos}; give each item its own code"
            )
        seen[item.code] = pos
        place = (item.volume, item.order)
        if place in places:
            raise CatalogError(
                f"catalog {source}: items {places[place]} and {item.code} both have "
                f"order {item.order} in {item.volume}; orders must differ"
            )
        places[place] = item.code
    return Catalog(items=tuple(items), source=source)


def _parse_item(raw: object, pos: int, source: str) -> CatalogItem:
    if not isinstance(raw, dict):
        raise CatalogError(f"catalog {source}: item {pos} is not a JSON object")
    label = f"catalog {source}: item {pos} ({raw.get('code', 'no code')})"
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        raise CatalogError(f"{label} lacks field(s) {', '.join(missing)}")

    for name in ("code", "name_zh", "name_en"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise CatalogError(f"{label}: field {name} must be a non-empty string")
    order = raw["order"]
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise CatalogError(f"{label}: order must be a whole number from 1")
    keywords = raw["keywords_zh"]
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise CatalogError(f"{label}: keywords_zh must be a list of non-empty strings")

    return CatalogItem(
        code=raw["code"].strip(),
        name_zh=raw["name_zh"].strip(),
        name_en=raw["name_en"].strip(),
        volume=_member(Volume, raw["volume"], "volume", label),
        order=order,
        node=None if raw["node"] is None else _member(Node, raw["node"], "node", label),
        keywords_zh=tuple(k.strip() for k in keywords),
    )


def _member(enum: type[_E], value: object, field: str, label: str) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise CatalogError(
            f"{label}: {field} {value!r} is unknown; use one of {allowed}"
        ) from None
