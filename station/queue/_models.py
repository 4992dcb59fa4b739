"""The station's durable state: batches, pages, documents and the outbox.

Every row has an explicit state, and every state change is one committed transaction,
so a station killed at any moment finds on restart exactly what was finished and what
was not. The database is the queue: workers pick their next job from it, and nothing
that matters lives only in memory.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import peewee

#: Bound to a real database by ``open_database``; unbound until then so that importing
#: this module opens nothing.
database = peewee.DatabaseProxy()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BatchState(StrEnum):
    SCANNING = "scanning"  # capture is reading pages into it
    SCANNED = "scanned"  # the feeder ran empty: every sheet was read
    PARTIAL = "partial"  # capture stopped early; the pages read are kept
    EMPTY = "empty"  # capture ended before the first page
    DONE = "done"  # every page processed and every document built
    HELD = "held"  # documents could not be built; an operator must look


class PageState(StrEnum):
    CAPTURED = "captured"  # the raw image is on disk, not yet processed
    PROCESSING = "processing"  # handed to a worker
    RECOGNISED = "recognised"  # cleaned and OCRed
    BLANK = "blank"  # suppressed as blank: kept, flagged, recoverable
    COVER = "cover"  # a cover sheet: kept as evidence, not placed in a document
    FAILED = "failed"  # could not be processed; ``error`` says why


FINAL_PAGE_STATES = (
    PageState.RECOGNISED,
    PageState.BLANK,
    PageState.COVER,
    PageState.FAILED,
)


class DocumentState(StrEnum):
    READY = "ready"  # files written, waiting in the outbox
    DELIVERED = "delivered"  # the register acknowledged it
    REFUSED = "refused"  # the register or the broker refused it; ``error`` says why


class OutboxState(StrEnum):
    PENDING = "pending"  # not yet accepted by the broker
    SENT = "sent"  # the broker accepted it (PUBACK); waiting for the register
    ACKED = "acked"  # the register acknowledged it


class BaseModel(peewee.Model):
    class Meta:
        database = database


class Batch(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=40)
    created_at = peewee.DateTimeField(default=_now)
    finished_at = peewee.DateTimeField(null=True)
    source = peewee.CharField()
    dpi = peewee.IntegerField(null=True)
    mode = peewee.CharField(default="color")
    state = peewee.CharField(default=BatchState.SCANNING, index=True)
    message = peewee.TextField(default="")
    owner_pid = peewee.IntegerField(null=True)
    accounting = peewee.TextField(null=True)  # JSON, filled when documents are built


class Page(BaseModel):
    id = peewee.AutoField()
    batch_id: str  # the foreign key's raw value, set by peewee
    batch = peewee.ForeignKeyField(Batch, backref="pages", on_delete="CASCADE")
    page_no = peewee.IntegerField()  # capture order within the batch, from 1
    side = peewee.CharField(default="front")
    raw_path = peewee.CharField()
    raw_sha256 = peewee.CharField(max_length=64)
    dpi = peewee.IntegerField(null=True)
    state = peewee.CharField(default=PageState.CAPTURED, index=True)
    attempts = peewee.IntegerField(default=0)  # times handed to a worker
    crashes = peewee.IntegerField(default=0)  # times its worker process died
    error = peewee.TextField(default="")
    captured_at = peewee.DateTimeField(default=_now)
    # What processing measured and produced, filled when the page is final.
    width = peewee.IntegerField(null=True)
    height = peewee.IntegerField(null=True)
    skew_deg = peewee.FloatField(null=True)
    skew_confident = peewee.BooleanField(null=True)
    crop = peewee.CharField(null=True)  # JSON [x, y, w, h] in raw pixels
    blank_score = peewee.FloatField(null=True)
    orientation = peewee.IntegerField(null=True)  # clockwise turn applied, degrees
    orientation_confidence = peewee.FloatField(null=True)
    orientation_by = peewee.CharField(null=True)  # "network" or "check"
    flags = peewee.CharField(default="")  # comma-separated doubts, e.g. low_dpi
    clean_path = peewee.CharField(null=True)
    clean_sha256 = peewee.CharField(null=True, max_length=64)
    pdf_path = peewee.CharField(null=True)
    text = peewee.TextField(null=True)
    ocr_confidence = peewee.FloatField(null=True)
    ocr_engine = peewee.CharField(null=True)
    timings = peewee.TextField(null=True)  # JSON {stage: ms}
    cover = peewee.TextField(null=True)  # JSON of the cover sheet read on the page
    problems = peewee.TextField(default="[]")  # JSON list of doubts for review

    class Meta:
        indexes = ((("batch", "page_no"), True),)


class Document(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=40)
    batch_id: str  # the foreign key's raw value, set by peewee
    batch = peewee.ForeignKeyField(Batch, backref="documents", on_delete="CASCADE")
    seq = peewee.IntegerField()  # order within the batch, from 1
    state = peewee.CharField(default=DocumentState.READY, index=True)
    page_count = peewee.IntegerField()
    pdf_path = peewee.CharField()
    meta_path = peewee.CharField()
    pdf_sha256 = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField(default=_now)
    delivered_at = peewee.DateTimeField(null=True)
    error = peewee.TextField(default="")
    case_number = peewee.CharField(default="")  # normalised; "" when none was found
    item_code = peewee.CharField(default="")  # catalog item; "" while unclassified
    item_seq = peewee.IntegerField(default=1)  # order within the case and item
    file_name = peewee.CharField(default="")
    needs_review = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("batch", "seq"), True),)


class Outbox(BaseModel):
    id = peewee.AutoField()
    document_id: str  # the foreign key's raw value, set by peewee
    document = peewee.ForeignKeyField(
        Document, backref="outbox", unique=True, on_delete="CASCADE"
    )
    state = peewee.CharField(default=OutboxState.PENDING, index=True)
    attempts = peewee.IntegerField(default=0)
    last_attempt_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")


ALL_MODELS: list[type[peewee.Model]] = [Batch, Page, Document, Outbox]


def as_dict(row: peewee.Model) -> dict[str, Any]:
    """Return a row's columns as plain values, for JSON and the UI."""
    data: dict[str, Any] = row.__data__
    return dict(data)
