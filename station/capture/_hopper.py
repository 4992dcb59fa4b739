"""A paper hopper for SANE's ``pnm`` backend: real page images fed one at a time.

SANE's ``pnm`` backend reads one PNM file per scan. The hopper loads the next page
image into it before each read, and when the stack is used up it switches on the
backend's own "no documents" status, so the station sees exactly what an ADF scanner
reports at the end of a batch. Faults (a jam, an I/O error, an open cover) can be put
before any page the same way; each fires once, as a jam that is cleared would.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from station._errors import ScannerError

log = logging.getLogger(__name__)

_FAULT_OPTIONS = {
    "jammed": "status_jammed",
    "cover_open": "status_coveropen",
    "io_error": "status_ioerror",
    "no_docs": "status_nodocs",
}


class PnmHopper:
    """Stack of page images standing in for paper in an ADF."""

    def __init__(
        self,
        files: Sequence[Path],
        work_dir: Path,
        faults: dict[int, str] | None = None,
    ) -> None:
        self._files = list(files)
        self._work_dir = work_dir
        self._faults = dict(faults or {})
        self._next = 0
        for fault in self._faults.values():
            if fault not in _FAULT_OPTIONS:
                raise ValueError(f"unknown fault {fault!r}")

    @property
    def remaining(self) -> list[Path]:
        """Sheets not yet read, in feeding order."""
        return self._files[self._next :]

    def __call__(self, device: Any, page_no: int) -> None:
        device.status = True  # clears any forced status from the previous read
        fault = self._faults.pop(page_no, None)
        if fault is not None:
            log.debug("hopper: %s before page %d", fault, page_no)
            setattr(device, _FAULT_OPTIONS[fault], True)
            return
        if self._next >= len(self._files):
            device.status_nodocs = True
            return
        sheet = self._files[self._next]
        try:
            device.filename = str(self._to_pnm(sheet))
        except (OSError, ValueError, SyntaxError) as exc:
            raise ScannerError(
                f"sheet {page_no} ({sheet.name}) cannot be loaded into the pnm "
                f"backend ({exc}); remove it and re-feed from page {page_no}"
            ) from exc
        self._next += 1

    def _to_pnm(self, path: Path) -> Path:
        """Write ``path`` as PBM, PGM or PPM, the formats the pnm backend reads."""
        self._work_dir.mkdir(parents=True, exist_ok=True)
        target = self._work_dir / "sheet.pnm"
        with Image.open(path) as opened:
            image: Image.Image = opened
            if image.mode not in ("1", "L", "RGB"):
                grey = image.mode.startswith(("I", "F", "L"))
                image = image.convert("L" if grey else "RGB")
            image.save(target, format="PPM")
        return target
