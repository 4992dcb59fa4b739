"""The one seam between the station and SANE (python-sane).

A scan reads pages until the feeder is empty. SANE reports an empty feeder, a jam, an
open cover or an I/O fault as a status; python-sane 2.9 raises them all as
``_sane.error`` carrying only ``sane_strstatus()``'s English text, so the text is
mapped back to a status here. Every status other than an empty feeder ends the batch
with a ``ScanInterrupted`` that tells the operator from which page to re-feed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from station._errors import ConfigError, ScannerError

log = logging.getLogger(__name__)


class SaneStatus(StrEnum):
    NO_DOCS = "no_docs"
    JAMMED = "jammed"
    COVER_OPEN = "cover_open"
    IO_ERROR = "io_error"
    NO_MEM = "no_mem"
    ACCESS_DENIED = "access_denied"
    DEVICE_BUSY = "device_busy"
    CANCELLED = "cancelled"
    OTHER = "other"


# sane_strstatus() texts of sane-backends 1.1 and 1.2 (sanei/sane_strstatus.c).
_STATUS_BY_TEXT = {
    "document feeder out of documents": SaneStatus.NO_DOCS,
    "document feeder jammed": SaneStatus.JAMMED,
    "scanner cover is open": SaneStatus.COVER_OPEN,
    "error during device i/o": SaneStatus.IO_ERROR,
    "out of memory": SaneStatus.NO_MEM,
    "access to resource has been denied": SaneStatus.ACCESS_DENIED,
    "device busy": SaneStatus.DEVICE_BUSY,
    "operation was cancelled": SaneStatus.CANCELLED,
}

_ADVICE = {
    SaneStatus.JAMMED: "clear the jam",
    SaneStatus.COVER_OPEN: "close the scanner cover",
    SaneStatus.IO_ERROR: "check the scanner's cable and power",
    SaneStatus.NO_MEM: "restart the station",
    SaneStatus.ACCESS_DENIED: "check the scanner's permissions",
    SaneStatus.DEVICE_BUSY: "wait for the other scan to finish",
    SaneStatus.CANCELLED: "start the scan again",
    SaneStatus.OTHER: "check the scanner",
}


def status_from_text(text: str) -> SaneStatus:
    return _STATUS_BY_TEXT.get(text.strip().lower(), SaneStatus.OTHER)


class ScanInterrupted(ScannerError):
    """The scanner stopped before the feeder was empty."""

    def __init__(self, status: SaneStatus, page_no: int, detail: str) -> None:
        advice = _ADVICE.get(status, "check the scanner")
        super().__init__(
            f"scanner reported '{detail}' at page {page_no}: {advice}, then re-feed "
            f"from page {page_no}"
        )
        self.status = status
        self.page_no = page_no


class FeederEmpty(ScannerError):
    """The feeder held no paper when the scan started."""

    def __init__(self) -> None:
        super().__init__("the feeder is empty: load the paper and press Scan again")


@dataclass(frozen=True)
class ScanSettings:
    device: str
    dpi: int
    min_dpi: int = 300
    mode: str = "color"  # color, gray or lineart
    source: str = "adf"  # flatbed, adf or duplex


@dataclass(frozen=True)
class ScannedPage:
    pixels: np.ndarray
    dpi: int
    side: str  # "front" or "back"


_sane_lock = threading.Lock()
_sane_ready = False


def _sane_module() -> Any:
    """Import and initialise python-sane once per process.

    ``SANE_CONFIG_DIR`` is read by sane_init(), so it must be set before this runs.
    """
    global _sane_ready  # noqa: PLW0603 - SANE itself is process-global
    import sane

    with _sane_lock:
        if not _sane_ready:
            sane.init()
            _sane_ready = True
    return sane


def list_devices() -> list[tuple[str, str, str, str]]:
    """Return SANE's devices as (name, vendor, model, type)."""
    return list(_sane_module().get_devices())


class SaneScanner:
    """Reads pages from one SANE device.

    ``before_page`` is called with the open device before each page is read; the PNM
    hopper uses it to load the next sheet, a real scanner needs nothing.
    """

    def __init__(
        self,
        settings: ScanSettings,
        before_page: Callable[[Any, int], None] | None = None,
    ) -> None:
        if settings.dpi < settings.min_dpi:
            raise ConfigError(
                f"{settings.dpi} dpi is below the {settings.min_dpi} dpi that archive "
                "scans require; set capture.dpi to 300 or more"
            )
        self.settings = settings
        self._before_page = before_page
        self._device: Any = None

    def __enter__(self) -> SaneScanner:
        sane = _sane_module()
        try:
            self._device = sane.open(self.settings.device)
        except Exception as exc:  # python-sane raises _sane.error or RuntimeError
            raise ScannerError(
                f"cannot open scanner {self.settings.device!r} ({exc}): check that it "
                "is switched on and connected, then try again"
            ) from exc
        try:
            self._configure()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._device is not None:
            try:
                self._device.close()
            except Exception:  # closing a device that faulted may fail again
                log.debug("closing the scanner failed", exc_info=True)
            self._device = None

    def _option(self, name: str) -> Any:
        for option in self._device.get_options():
            if option[1] == name:
                return option
        return None

    def _configure(self) -> None:
        settings = self.settings
        resolution = self._option("resolution")
        if resolution is not None:
            self._check_resolution(resolution[8])
            self._device.resolution = settings.dpi
        mode = self._option("mode")
        if mode is not None and isinstance(mode[8], list):
            self._device.mode = _pick(mode[8], _MODE_NAMES[settings.mode], "mode")
        source = self._option("source")
        if source is not None and isinstance(source[8], list):
            self._device.source = _pick(
                source[8], _SOURCE_NAMES[settings.source], "source"
            )
        elif settings.source != "flatbed":
            log.info(
                "%s has no source selection; reading pages until it reports an "
                "empty feeder",
                settings.device,
            )

    def _check_resolution(self, constraint: Any) -> None:
        top = None
        if isinstance(constraint, tuple) and len(constraint) >= 2:
            top = constraint[1]
        elif isinstance(constraint, list):
            top = max(v for v in constraint if isinstance(v, (int, float)))
        if top is not None and top < self.settings.dpi:
            raise ConfigError(
                f"{self.settings.device} scans at most {top} dpi, not the "
                f"{self.settings.dpi} dpi set in capture.dpi"
            )

    def pages(self) -> Iterator[ScannedPage]:
        """Yield pages until the feeder is empty; raise if the scanner stops early.

        The caller stores each page before asking for the next, so a fault or a crash
        loses at most the sheet that was inside the scanner.
        """
        duplex = self.settings.source == "duplex"
        page_no = 1
        while True:
            if self._before_page is not None:
                self._before_page(self._device, page_no)
            try:
                self._device.start()
                image = self._device.snap()
            except Exception as exc:  # _sane.error: see the module docstring
                status = status_from_text(str(exc))
                self._cancel()
                if status is SaneStatus.NO_DOCS:
                    if page_no == 1:
                        raise FeederEmpty() from exc
                    return
                raise ScanInterrupted(status, page_no, str(exc)) from exc
            side = "back" if duplex and page_no % 2 == 0 else "front"
            yield ScannedPage(np.asarray(image), self.settings.dpi, side)
            if self.settings.source == "flatbed":
                return
            page_no += 1

    def _cancel(self) -> None:
        try:
            self._device.cancel()
        except Exception:  # cancel after a fault may itself fail; the close follows
            log.debug("cancel after a scanner fault failed", exc_info=True)


_MODE_NAMES = {
    "color": ("color", "colour", "rgb", "24bit color"),
    "gray": ("gray", "grey", "grayscale", "8bit gray"),
    "lineart": ("lineart", "binary", "black & white"),
}
_SOURCE_NAMES = {
    "flatbed": ("flatbed", "normal", "platen"),
    "adf": ("automatic document feeder", "adf", "adf front", "adf simplex"),
    "duplex": ("adf duplex", "duplex", "adf both sides"),
}


def _pick(offered: list[str], wanted: tuple[str, ...], what: str) -> str:
    by_lower = {str(v).lower(): str(v) for v in offered}
    for name in wanted:
        if name in by_lower:
            return by_lower[name]
    raise ConfigError(
        f"the scanner offers no {what} like {wanted[0]!r} (it offers "
        f"{', '.join(map(str, offered))}); change capture.{what}"
    )
