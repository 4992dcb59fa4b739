"""Several writers, a reader and a backup on one station database."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import peewee

from station.queue import Batch, Page, database, open_database


def test_four_writers_a_reader_and_a_backup_never_see_locked(tmp_path: Path) -> None:
    db_path = tmp_path / "station.db"
    open_database(db_path)
    for n in range(4):
        Batch.create(id=f"b{n}", source="test")
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        try:
            for page_no in range(1, 151):
                with database.atomic():
                    Page.create(
                        batch=f"b{n}",
                        page_no=page_no,
                        raw_path="x",
                        raw_sha256="0" * 64,
                    )
                    Page.update(state="recognised").where(
                        (Page.batch == f"b{n}") & (Page.page_no == page_no)
                    ).execute()
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            while not stop.is_set():
                list(Page.select().where(Page.state == "recognised").limit(50))
        except BaseException as exc:
            errors.append(exc)

    def backup() -> None:
        try:
            while not stop.is_set():
                source = sqlite3.connect(db_path, timeout=30)
                target = sqlite3.connect(tmp_path / "backup.db")
                source.backup(target, pages=16)
                source.close()
                target.close()
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    others = [threading.Thread(target=reader), threading.Thread(target=backup)]
    for thread in writers + others:
        thread.start()
    for thread in writers:
        thread.join(120)
    stop.set()
    for thread in others:
        thread.join(30)

    assert not [e for e in errors if isinstance(e, peewee.OperationalError)], errors
    assert errors == []
    assert Page.select().count() == 600
    pairs = {(p.batch_id, p.page_no) for p in Page.select()}
    assert len(pairs) == 600, "every row stored exactly once"
    database.close()
