"""One owner of the scanner at a time, across threads and processes."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from station._errors import ScannerBusyError


class ScannerLock:
    """An advisory lock on a file beside the database.

    The kernel drops the lock when its holder dies, so a killed scan never leaves the
    scanner locked.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> ScannerLock:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ScannerBusyError(
                "the scanner is busy with another scan; wait for it to finish"
            ) from None
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def is_held_elsewhere(self) -> bool:
        """Return True when another process or open holds the lock right now."""
        try:
            with ScannerLock(self._path):
                return False
        except ScannerBusyError:
            return True
