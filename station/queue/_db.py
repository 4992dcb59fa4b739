"""Open the station's SQLite database in WAL mode with durable commits."""

from __future__ import annotations

import logging
from pathlib import Path

import peewee
from playhouse.migrate import SqliteMigrator, migrate

from station._errors import StorageError
from station.queue._models import ALL_MODELS, database

log = logging.getLogger(__name__)

# WAL lets the UI and a capture process read while the daemon writes; synchronous=FULL
# makes a commit survive a power cut, which matters more here than write speed; the
# busy timeout makes concurrent writers wait instead of failing with "locked".
_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 30_000,
}


def open_database(path: Path) -> peewee.SqliteDatabase:
    """Bind the models to the database at ``path``, creating its tables if new."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = peewee.SqliteDatabase(str(path), pragmas=_PRAGMAS, timeout=30)
        database.initialize(db)
        db.connect(reuse_if_open=True)
        db.create_tables(ALL_MODELS, safe=True)
        _add_missing_columns(db)
    except (OSError, peewee.DatabaseError) as exc:
        raise StorageError(
            f"cannot open the station database {path}: {exc}; check that the data "
            "directory exists, is writable and has free space"
        ) from exc
    log.debug("database open at %s", path)
    return db


def _add_missing_columns(db: peewee.SqliteDatabase) -> None:
    """Add columns that a newer station version defines to an older database.

    Every column added after the first release has a default or allows NULL, so an
    old database gains them without losing a row; columns are never dropped.
    """
    migrator = SqliteMigrator(db)  # type: ignore[no-untyped-call]
    for model in ALL_MODELS:
        table = model._meta.table_name
        present = {column.name for column in db.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name not in present:
                log.info("database: adding column %s.%s", table, field.column_name)
                migrate(migrator.add_column(table, field.column_name, field))  # type: ignore[no-untyped-call]
