"""The manifest that travels with every document: what it is and how it was made.

For each page it records the SHA-256 of the raw image as read from the scanner and
every transform applied with the values measured (crop box, skew angle, blank score),
then the OCR engine, its version and confidence; for the document, the hashes of its
files. With the raw images kept on the station, anyone can re-derive the PDF from the
paper's scan and show that it is that paper.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from station import __version__
from station._config import Config
from station._filing import FilingPlan, PlannedDocument
from station.publish import SCHEMA, sha256
from station.queue import Batch, Page


def build_manifest(
    config: Config,
    batch: Batch,
    doc_id: str,
    doc: PlannedDocument,
    plan: FilingPlan,
    files: dict[str, bytes],
) -> dict[str, Any]:
    item = doc.classification.item
    return {
        "schema": SCHEMA,
        "document_id": doc_id,
        "station_id": config.station_id,
        "station_version": __version__,
        "batch_id": batch.id,
        "batch_state": batch.state,
        "seq": doc.seq,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "file_name": doc.file_name,
        "case": doc.case.as_dict() if doc.case else None,
        "catalog_item": {
            "code": item.code,
            "name_zh": item.name_zh,
            "volume": item.volume.value,
            "node": item.node.value if item.node else None,
            "seq_in_item": doc.item_seq,
        }
        if item
        else None,
        "classification": {
            "basis": doc.classification.basis.value,
            "confidence": round(doc.classification.confidence, 3),
            "title": doc.classification.title,
            "reason": doc.classification.reason,
        },
        "document_date": doc.date,
        "needs_review": doc.needs_review,
        "problems": doc.problems,
        "cover": _cover(doc),
        "page_count": len(doc.pages),
        "pages": [_page(p) for p in doc.pages],
        "suppressed_blank_pages": [_page(p) for p in doc.blank_pages],
        "failed_pages": [
            {"page_no": p.page_no, "raw_sha256": p.raw_sha256, "error": p.error}
            for p in doc.failed_pages
        ],
        "batch_accounting": plan.accounting,
        "files": [
            {
                "name": name,
                "sha256": sha256(data),
                "size": len(data),
                "content_type": "application/pdf",
            }
            for name, data in files.items()
        ],
    }


def _cover(doc: PlannedDocument) -> dict[str, Any] | None:
    if doc.cover is None:
        return None
    return {
        "page_no": doc.cover_page,
        "case_number": doc.cover.case_number,
        "item_code": doc.cover.item_code,
        "node": doc.cover.node.value if doc.cover.node else None,
        "expected_pages": doc.cover.expected_pages,
        "submission_id": doc.cover.submission_id,
        "rotation_deg": doc.cover.rotation_deg,
    }


def _page(page: Page) -> dict[str, Any]:
    crop = json.loads(page.crop) if page.crop else None
    transforms: list[dict[str, Any]] = []
    if crop is not None:
        transforms.append({"op": "crop", "box_xywh": crop})
    if page.orientation:
        transforms.append(
            {
                "op": "turn",
                "clockwise_deg": page.orientation,
                "confidence": page.orientation_confidence,
                "decided_by": page.orientation_by,
            }
        )
    if page.skew_confident and page.skew_deg:
        transforms.append({"op": "rotate", "skew_deg": page.skew_deg})
    transforms.append({"op": "blank_check", "score": page.blank_score})
    return {
        "page_no": page.page_no,
        "side": page.side,
        "state": page.state,
        "raw_sha256": page.raw_sha256,
        "clean_sha256": page.clean_sha256,
        "dpi": page.dpi,
        "size_px": [page.width, page.height],
        "skew_deg": page.skew_deg,
        "skew_confident": page.skew_confident,
        "crop": crop,
        "blank_score": page.blank_score,
        "orientation": page.orientation,
        "orientation_confidence": page.orientation_confidence,
        "orientation_by": page.orientation_by,
        "transforms": transforms,
        "flags": [f for f in page.flags.split(",") if f],
        "problems": json.loads(page.problems or "[]"),
        "ocr_engine": page.ocr_engine,
        "ocr_confidence": page.ocr_confidence,
        "text": page.text,
        "error": page.error,
    }
