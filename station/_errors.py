"""One family of exceptions, each telling the operator what to do next.

Every error carries an exit code for systemd and the CLI: 2 for bad input or settings
the operator can fix, 3 for a device that needs attention, 4 for the network, 5 for
storage.
"""

from __future__ import annotations


class StationError(Exception):
    """Base of every error the station raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(StationError, ValueError):
    """A setting is missing or out of range; the message names the setting."""

    exit_code = 2


class ImageError(StationError, ValueError):
    """An image cannot be used: corrupt, truncated, empty, too large or too coarse."""

    exit_code = 2


class ScannerError(StationError):
    """The scanner needs the operator (jam, empty feeder, open cover, I/O fault)."""

    exit_code = 3


class ScannerBusyError(ScannerError):
    """Another scan already owns the scanner."""


class DeliveryError(StationError):
    """The register cannot be reached, refused the login, or refused a document."""

    exit_code = 4


class StorageError(StationError):
    """The spool or the database cannot take more (disk full, read-only)."""

    exit_code = 5
