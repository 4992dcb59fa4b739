"""Scan-to-folder: take page images that a scanner or a person drops in a folder.

A file is taken only once it is settled: its size and modification time unchanged
over ``settle_s`` and no longer growing, and its name not one that scanners and copy
tools use while writing (hidden names, ``.tmp``, ``.part``, ``.crdownload``). A taken
file is stored in the spool and its row committed before it is removed from the
inbox, so a crash in between leaves it in the inbox to be taken again, never lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from station._config import Config
from station.capture._batch import CaptureResult, import_files

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pnm", ".pgm", ".ppm", ".pbm", ".bmp"}
)
_WRITING_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".filepart")


@dataclass
class FolderSource:
    inbox: Path
    settle_s: float = 2.0
    _seen: dict[Path, tuple[int, int, float]] = field(default_factory=dict)

    def settled_files(self, now: float | None = None) -> list[Path]:
        """Return the inbox's image files that have not changed for ``settle_s``."""
        now = time.monotonic() if now is None else now
        ready = []
        current: dict[Path, tuple[int, int, float]] = {}
        for path in sorted(self.inbox.iterdir()):
            if not self._candidate(path):
                continue
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(path)
            since = previous[2] if previous and previous[:2] == signature else now
            current[path] = (*signature, since)
            # A zero-byte file that stays so is taken too: its page then fails
            # with "empty", which the operator sees, instead of lying unnoticed.
            if now - since >= self.settle_s:
                ready.append(path)
        self._seen = current
        return ready

    @staticmethod
    def _candidate(path: Path) -> bool:
        name = path.name.lower()
        return (
            path.is_file()
            and not path.is_symlink()  # a link could point anywhere on the station
            and not name.startswith((".", "~"))
            and not name.endswith(_WRITING_SUFFIXES)
            and path.suffix.lower() in IMAGE_SUFFIXES
        )

    def take(self, config: Config) -> CaptureResult | None:
        """Store every settled file as one batch and remove it from the inbox."""
        files = self.settled_files()
        if not files:
            return None
        result = import_files(config, files, source=f"folder:{self.inbox}")
        for path in files:
            path.unlink(missing_ok=True)
            self._seen.pop(path, None)
        log.info(
            "inbox %s: %d files taken as batch %s",
            self.inbox,
            len(files),
            result.batch_id,
        )
        return result
