"""Capture: read pages from a SANE scanner or a folder and store them durably."""

from station.capture._batch import (
    CaptureResult,
    capture_batch,
    check_free_space,
    close_abandoned_batches,
    close_partial_batch,
    import_files,
    scanner_lock,
)
from station.capture._folder import FolderSource
from station.capture._hopper import PnmHopper
from station.capture._lock import ScannerLock
from station.capture._sane import (
    FeederEmpty,
    SaneScanner,
    SaneStatus,
    ScanInterrupted,
    ScannedPage,
    ScanSettings,
    list_devices,
)

__all__ = [
    "CaptureResult",
    "FeederEmpty",
    "FolderSource",
    "PnmHopper",
    "SaneScanner",
    "SaneStatus",
    "ScanInterrupted",
    "ScanSettings",
    "ScannedPage",
    "ScannerLock",
    "capture_batch",
    "check_free_space",
    "close_abandoned_batches",
    "close_partial_batch",
    "import_files",
    "list_devices",
    "scanner_lock",
]
