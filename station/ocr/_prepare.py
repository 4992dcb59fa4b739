"""Turn a cleaned page into the grey image the engines read, and cut big ones up.

Nothing here does IO: arrays in, arrays and numbers out. The stored page and its PDF
keep the original pixels; only what the engine sees is changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
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
    seal characters into the date. Red pixels are painted the colour of the paper
    (the page's median grey) in proportion to how red they are.
    """
    if image.ndim == 2:
        return _fade_show_through(image)
    rgb = np.ascontiguousarray(image[..., :3])
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # int16 holds any difference of two channels; only red pixels get floats, so an
    # A4 page at 600 dpi costs tens of megabytes here, not a gigabyte.
    redness = rgb[..., 0].astype(np.int16) - np.maximum(rgb[..., 1], rgb[..., 2])
    seal = redness > RED_START
    if seal.any():
        paper = float(np.median(luma[::8, ::8]))
        weight = np.minimum(
            (redness[seal] - RED_START) / float(RED_FULL - RED_START), 1.0
        )
        shade = luma[seal].astype(np.float32)
        luma[seal] = (shade + weight * (paper - shade)).astype(np.uint8)
    return _fade_show_through(luma)


#: Share of the way from paper to ink below which a pixel is taken as paper.
SHOW_THROUGH = 0.25


def _fade_show_through(grey: np.ndarray) -> np.ndarray:
    """Stretch ink to black and paper to white, dropping faint show-through.

    Thin paper shows the reverse side's text, mirrored, at 5-15 % of the ink's
    contrast; PP-OCR's detector finds it and reads it as digits and stray
    characters. Pixels less than a quarter of the way from the paper's grey (the
    median) to the ink's (the 1st percentile) become white. Faint pencil is lost to
    OCR this way, not to the stored page.
    """
    sample = grey[::8, ::8]
    paper = float(np.median(sample))
    ink = float(np.percentile(sample, 1))
    white_at = paper - SHOW_THROUGH * (paper - ink)
    if white_at - ink < 32:
        return grey  # no contrast to speak of: a blank or near-blank page
    table = np.clip((np.arange(256) - ink) * 255.0 / (white_at - ink), 0, 255)
    faded: np.ndarray = table.astype(np.uint8)[grey]
    return faded


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
