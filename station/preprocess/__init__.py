"""Straighten, trim and judge scanned pages, from arrays to arrays and measurements.

``clean_page`` is what the pipeline calls: it trims the dark bands a scanner leaves
along the edges, decides whether the page is blank, turns a page fed sideways or
upside down upright (a small TFLite model the project trains itself, shipped in
``models/``), and straightens tilted text,
abstaining (and leaving the page as it is) when it cannot tell the tilt. The three
measurements are also offered alone for tools and tests.

Nothing here reads files or talks to devices: pages come in as ``uint8`` arrays
with their resolution, and every size is defined in millimetres so that a 150 dpi
and a 600 dpi scan of the same sheet are treated alike. Analysis runs on a 150 dpi
copy; only the final crop and rotation touch the full-resolution pixels.
"""

from station.preprocess._blank import BlankVerdict, is_blank
from station.preprocess._border import find_border
from station.preprocess._clean import CleanResult, CleanSettings, clean_page
from station.preprocess._orientation import OrientationEstimate, estimate_orientation
from station.preprocess._skew import SkewEstimate, estimate_skew

__all__ = [
    "BlankVerdict",
    "CleanResult",
    "CleanSettings",
    "OrientationEstimate",
    "SkewEstimate",
    "clean_page",
    "estimate_orientation",
    "estimate_skew",
    "find_border",
    "is_blank",
]
