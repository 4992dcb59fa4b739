"""Durable state of the station in SQLite (peewee, WAL): the queue between stages."""

from station.queue._db import open_database
from station.queue._models import (
    FINAL_PAGE_STATES,
    Batch,
    BatchState,
    Document,
    DocumentState,
    Outbox,
    OutboxState,
    Page,
    PageState,
    as_dict,
    database,
)

__all__ = [
    "FINAL_PAGE_STATES",
    "Batch",
    "BatchState",
    "Document",
    "DocumentState",
    "Outbox",
    "OutboxState",
    "Page",
    "PageState",
    "as_dict",
    "database",
    "open_database",
]
