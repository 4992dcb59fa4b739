"""Work behind CLI commands that is not the daemon's: preprocessing files, status."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from station._config import Config
from station._errors import ConfigError, StationError
from station._imageio import decode_image, encode_png, write_durably
from station._worker import check_orientation_by_text
from station.documents import Receipt, ReceiptDocument, load_catalog
from station.preprocess import CleanSettings, clean_page
from station.queue import Batch, Document, Outbox, Page, open_database

log = logging.getLogger(__name__)


def preprocess_files(
    files: list[Path], out: Path | None, dpi: float | None, config: Config
) -> Iterator[dict[str, Any]]:
    """Clean each file and yield what was measured; a bad file yields an error."""
    settings = CleanSettings(
        deskew=config.preprocess.deskew,
        crop_border=config.preprocess.crop_border,
        detect_blank=config.preprocess.detect_blank,
        orientation_check=(
            check_orientation_by_text if config.preprocess.orientation_check else None
        ),
    )
    written: set[Path] = set()
    for path in files:
        started = time.perf_counter()
        if path.exists() and not path.is_file():
            yield {"input": str(path), "error": "not a regular file; give image files"}
            continue
        try:
            decoded = decode_image(path, config.capture.max_pixels)
        except StationError as exc:
            yield {"input": str(path), "error": exc.message}
            continue
        except FileNotFoundError:
            yield {"input": str(path), "error": "no such file; check the path"}
            continue
        except OSError as exc:
            yield {"input": str(path), "error": f"cannot read the file: {exc.strerror}"}
            continue
        page_dpi = decoded.dpi or dpi or 300.0
        try:
            result = clean_page(decoded.pixels, page_dpi, settings)
        except StationError as exc:
            yield {"input": str(path), "error": exc.message}
            continue
        except Exception as exc:  # one page's fault must not end the others
            log.exception("%s: cleaning failed", path)
            yield {"input": str(path), "error": f"cleaning failed: {exc!r}"}
            continue
        record: dict[str, Any] = {
            "input": str(path),
            "skew_deg": round(result.skew_deg, 3),
            "skew_confident": result.skew_confident,
            "skew_reason": result.skew_reason,
            "crop": list(result.crop),
            "blank": result.blank,
            "blank_score": round(float(result.blank_score), 5),
            "orientation": result.orientation,
            "orientation_confidence": round(result.orientation_confidence, 3),
            "orientation_confident": result.orientation_confident,
            "orientation_by": result.orientation_by,
            "orientation_reason": result.orientation_reason,
            "dpi": page_dpi,
            "dpi_source": "file" if decoded.dpi else ("option" if dpi else "assumed"),
            "ms": round((time.perf_counter() - started) * 1000.0, 1),
        }
        if out is not None:
            # Two inputs of one name (a.jpg, a.png, or from two folders) must not
            # overwrite each other's page.
            target = out / (path.stem + ".png")
            number = 1
            while target in written:
                number += 1
                target = out / f"{path.stem}-{number}.png"
            written.add(target)
            write_durably(target, encode_png(result.image, page_dpi))
            record["output"] = str(target)
        yield record


def status_report(config: Config) -> dict[str, Any]:
    open_database(config.db_path)
    batches = []
    for batch in Batch.select().order_by(Batch.created_at.desc()).limit(20):
        pages: dict[str, int] = {}
        for page in Page.select().where(Page.batch == batch):
            pages[page.state] = pages.get(page.state, 0) + 1
        batches.append(
            {
                "id": batch.id,
                "state": batch.state,
                "message": batch.message,
                "pages": pages,
            }
        )
    return {
        "batches": batches,
        "documents": {d.id: d.state for d in Document.select()},
        "outbox_waiting": Outbox.select().where(Outbox.state != "acked").count(),
    }


def batch_receipt(config: Config, batch_id: str) -> Receipt:
    """The receipt of a batch whose documents have been built."""
    open_database(config.db_path)
    batch = Batch.get_or_none(Batch.id == batch_id)
    if batch is None:
        raise ConfigError(f"no batch {batch_id} on this station; see station status")
    if not batch.accounting:
        raise ConfigError(
            f"batch {batch_id} is {batch.state}: its receipt is ready once its "
            "documents are built"
        )
    accounts = json.loads(batch.accounting)
    path = config.documents.catalog
    catalog = load_catalog(Path(path) if path else None)
    submissions = sorted(
        {
            json.loads(p.cover or "{}").get("submission_id", "")
            for p in Page.select().where(
                (Page.batch == batch) & Page.cover.is_null(False)
            )
        }
    )
    documents = tuple(
        ReceiptDocument(
            case=doc["case"] or "无案号",
            item=f"{doc['item']} {catalog.item(doc['item']).name_zh}"
            if doc["item"] and doc["item"] in catalog
            else "待审查",
            pages=doc["pages"],
            expected_pages=doc["expected_pages"],
            file_name=doc["file_name"],
        )
        for doc in accounts["documents"]
    )
    return Receipt(
        station_id=config.station_id,
        batch_id=batch.id,
        scanned_at=batch.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        submissions=tuple(submissions),
        sheets_fed=accounts["sheets_fed"],
        sides_captured=accounts["sides_captured"],
        pages_kept=accounts["pages_kept"],
        blank_pages=tuple(accounts["blank_pages"]),
        cover_pages=tuple(accounts["cover_pages"]),
        failed_pages=tuple(accounts["failed_pages"]),
        documents=documents,
        problems=tuple(accounts["problems"]),
    )
