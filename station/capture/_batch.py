"""Capture a batch: every page read is stored durably before the next is read.

Capture never waits for cleaning or OCR: it writes the raw image (fsynced), commits
its row, and asks the scanner for the next sheet. Workers pick the pages up from the
database. A fault ends the batch as *partial* with the pages read so far kept; a batch
left *scanning* by a process that died is closed the same way on the next start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import peewee

from station._config import Config
from station._errors import ConfigError, ScannerError, StorageError
from station._imageio import encode_png, write_durably
from station.capture._lock import ScannerLock
from station.capture._sane import ScannedPage
from station.queue import Batch, BatchState, Page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureResult:
    batch_id: str
    pages: int
    state: BatchState
    message: str


def new_batch_id() -> str:
    return uuid.uuid4().hex[:16]


def scanner_lock(config: Config) -> ScannerLock:
    return ScannerLock(config.data_dir / "scanner.lock")


def check_free_space(config: Config) -> None:
    """Refuse to go on when the spool has less free space than configured."""
    config.spool_dir.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(config.spool_dir).free // (1024 * 1024)
    if free_mb < config.capture.min_free_mb:
        raise StorageError(
            f"only {free_mb} MB free in {config.spool_dir}, below capture.min_free_mb "
            f"({config.capture.min_free_mb} MB): free space, then scan again"
        )


def capture_batch(
    config: Config,
    pages: Callable[[], Iterable[ScannedPage]],
    source: str,
    on_page: Callable[[int], None] | None = None,
    continue_batch: str | None = None,
) -> CaptureResult:
    """Read every page ``pages()`` yields into a batch, holding the scanner lock.

    With ``continue_batch``, the pages are added to that partial batch after its
    last page, as when the operator clears a jam and re-feeds the rest of the stack.
    """
    check_free_space(config)
    with scanner_lock(config):
        batch = _open_batch(config, source, continue_batch)
        count = Page.select().where(Page.batch == batch).count()
        log.info("batch %s: scanning from %s", batch.id, source)
        try:
            for scanned in pages():
                check_free_space(config)
                count += 1
                store_page(config, batch, count, scanned)
                if on_page is not None:
                    on_page(count)
        except (ScannerError, StorageError) as exc:
            return _close(batch, count, exc.message, interrupted=True)
        except Exception as exc:  # a fault in the page source must not strand the batch
            log.exception("batch %s: capture failed after page %d", batch.id, count)
            message = (
                f"capture failed after page {count} ({exc}); re-feed from page "
                f"{count + 1}"
            )
            return _close(batch, count, message, interrupted=True)
        return _close(batch, count, "", interrupted=False)


def _open_batch(config: Config, source: str, continue_batch: str | None) -> Batch:
    if continue_batch is None:
        batch: Batch = Batch.create(
            id=new_batch_id(),
            source=source,
            dpi=config.capture.dpi,
            mode=config.capture.mode,
            owner_pid=os.getpid(),
        )
        return batch
    found: Batch | None = Batch.get_or_none(Batch.id == continue_batch)
    if found is None or found.state != BatchState.PARTIAL:
        raise ScannerError(
            f"batch {continue_batch} is not a partial batch; only a batch that "
            "stopped early can be continued"
        )
    Batch.update(state=BatchState.SCANNING, owner_pid=os.getpid()).where(
        Batch.id == found.id
    ).execute()
    return found


def close_partial_batch(batch_id: str) -> CaptureResult:
    """Accept a partial batch as it is, so that its documents are built."""
    batch = Batch.get_or_none(Batch.id == batch_id)
    if batch is None:
        raise ConfigError(f"no batch {batch_id} on this station; see station status")
    if batch.state != BatchState.PARTIAL:
        raise ConfigError(
            f"batch {batch_id} is {batch.state}, not partial: only a batch that "
            "stopped early can be closed"
        )
    count = Page.select().where(Page.batch == batch).count()
    message = f"closed by the operator with {count} pages; {batch.message}"
    Batch.update(state=BatchState.SCANNED, message=message).where(
        Batch.id == batch.id
    ).execute()
    log.warning("batch %s: %s", batch.id, message)
    return CaptureResult(batch.id, count, BatchState.SCANNED, message)


def store_page(
    config: Config, batch: Batch, page_no: int, scanned: ScannedPage
) -> Page:
    """Write one page's raw image durably, then commit its row."""
    data = encode_png(scanned.pixels, scanned.dpi)
    return store_raw(config, batch, page_no, data, ".png", scanned.dpi, scanned.side)


def store_raw(
    config: Config,
    batch: Batch,
    page_no: int,
    data: bytes,
    suffix: str,
    dpi: int | None,
    side: str = "front",
) -> Page:
    path = config.spool_dir / batch.id / "raw" / f"{page_no:04d}{suffix}"
    try:
        write_durably(path, data)
    except OSError as exc:
        raise StorageError(
            f"cannot store page {page_no} ({exc}): free space or check the disk, then "
            f"re-feed from page {page_no}"
        ) from exc
    page: Page = Page.create(
        batch=batch,
        page_no=page_no,
        side=side,
        raw_path=str(path),
        raw_sha256=hashlib.sha256(data).hexdigest(),
        dpi=dpi,
    )
    log.info("batch %s: page %d stored", batch.id, page_no)
    return page


def _close(batch: Batch, count: int, problem: str, interrupted: bool) -> CaptureResult:
    if count == 0:
        state = BatchState.EMPTY
    elif interrupted:
        state = BatchState.PARTIAL
    else:
        state = BatchState.SCANNED
    message = problem or f"{count} pages read"
    try:
        Batch.update(
            state=state, message=message, finished_at=peewee.fn.datetime("now")
        ).where(Batch.id == batch.id).execute()
    except peewee.OperationalError as exc:
        # A full disk can refuse even this small write; the batch stays "scanning"
        # and the next start closes it as partial with the page to re-feed from.
        raise StorageError(
            f"batch {batch.id} could not be closed ({exc}); free space, then start "
            f"the station again and re-feed from page {count + 1}"
        ) from exc
    level = logging.WARNING if problem else logging.INFO
    log.log(level, "batch %s: %s (%s)", batch.id, state.value, message)
    return CaptureResult(batch.id, count, state, message)


def close_abandoned_batches(config: Config) -> list[str]:
    """Mark batches left *scanning* by a dead process as partial.

    A batch is abandoned when nobody holds the scanner lock; its stored pages are
    kept and the message says from which page to re-feed.
    """
    if scanner_lock(config).is_held_elsewhere():
        return []
    closed = []
    for batch in list(Batch.select().where(Batch.state == BatchState.SCANNING)):
        count = Page.select().where(Page.batch == batch).count()
        message = (
            f"scan was interrupted after page {count}: re-feed from page {count + 1}"
        )
        _close(batch, count, message, interrupted=True)
        closed.append(batch.id)
    return closed


def import_files(config: Config, files: Iterable[Path], source: str) -> CaptureResult:
    """Store image files as one batch, byte for byte, in the order given.

    The files are only read here; decoding (and refusing bad ones) happens in the
    workers, so a corrupt file still gets its row and its message.
    """
    check_free_space(config)
    batch = Batch.create(
        id=new_batch_id(), source=source, dpi=None, owner_pid=os.getpid()
    )
    count = 0
    for path in files:
        count += 1
        store_raw(config, batch, count, path.read_bytes(), path.suffix.lower(), None)
    return _close(batch, count, "", interrupted=False)
