"""Turn a cleaned page into the grey image the engines read, and cut big ones up.

Nothing here does IO: arrays in, arrays and numbers out. The stored page and its PDF
keep the original pixels; only what the engine sees is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: How far a pixel's red channel must exceed both others to count as seal ink:
#: fully from ``RED_FULL`` on, blending in from ``RED_START`` so the blurred, paler
#: rim of a seal's strokes fades too. Black text printed under a seal stays dark in
#: every channel and is kept.
RED_START = 15
RED_FULL = 45


def ocr_grey(image: np.ndarray) -> np.ndarray:
    """Grey image for recognition, with red seals and red headers faded to paper.

    A court seal is stamped in red over the signature lines and the date; read as
    grey, its ring and lettering cross the text under it and the engines read
    seal characters into the date. The red channel alone shows red ink as bright as
    the paper, so red pixels take their red value and all others their luminance.
    """
    if image.ndim == 2:
        return image
    rgb = image[..., :3].astype(np.int32)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = (red * 299 + green * 587 + blue * 114) // 1000
    redness = red - np.maximum(green, blue)
    weight = np.clip((redness - RED_START) / (RED_FULL - RED_START), 0.0, 1.0)
    return (luma + weight * (red - luma)).astype(np.uint8)


@dataclass(frozen=True)
class Tile:
    """A horizontal band of a tall page: rows ``top`` to ``bottom`` (exclusive)."""

    top: int
    bottom: int


def bands(height: int, width: int, max_ratio: float = 2.0) -> tuple[Tile, ...]:
    """Cut a page taller than ``max_ratio`` times its width into overlapping bands.

    A long scan (a receipt roll, several pages fed as one) would otherwise be shrunk
    for detection until its text vanishes. Bands overlap by a quarter of the width,
    more than any line of text is tall, so every line lies whole inside one band.
    """
    band = round(width * max_ratio * 0.75)
    if height <= width * max_ratio or band <= 0:
        return (Tile(0, height),)
    overlap = max(1, width // 4)
    tiles = []
    top = 0
    while True:
        bottom = min(height, top + band)
        tiles.append(Tile(top, bottom))
        if bottom >= height:
            return tuple(tiles)
        top = bottom - overlap
