"""Errors of the documents subsystem, each a member of the station's one family.

They derive from the station-wide classes so that the CLI and the daemon map them to
the same exit codes: a broken catalog is a setting to fix (``ConfigError``), an
unusable cover sheet or split request is bad input the operator can correct.
"""

from __future__ import annotations

from station._errors import ConfigError, StationError


class CatalogError(ConfigError):
    """The e-file catalog is malformed, or names an item it does not hold."""


class CoverSheetError(StationError, ValueError):
    """A cover sheet's code is present but cannot be trusted; reprint the sheet."""

    exit_code = 2


class SplitError(StationError, ValueError):
    """An operator's split points do not fit the batch."""

    exit_code = 2
