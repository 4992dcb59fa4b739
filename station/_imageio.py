"""Decode page images safely and store them durably.

Decoding refuses, before any pixel is read, a header that claims more pixels than the
configured limit (a decompression bomb), and turns every decoder failure into one
``ImageError`` that names the file. Writing goes through a temporary file, ``fsync`` and
an atomic rename, so a page on disk is either whole or absent after a power cut.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from station._errors import ImageError

log = logging.getLogger(__name__)

#: An A3 page at 600 dpi in colour is about 70 million pixels; 120 million leaves room
#: for long receipts and oversize drawings without admitting a 30000 x 30000 bomb.
DEFAULT_MAX_PIXELS = 120_000_000


@dataclass(frozen=True)
class DecodedPage:
    """Pixels of one page and the resolution its file declares, if believable."""

    pixels: np.ndarray
    dpi: float | None


def decode_image(
    data: bytes | Path, max_pixels: int = DEFAULT_MAX_PIXELS, name: str = ""
) -> DecodedPage:
    """Decode a page image into an RGB or grey ``uint8`` array.

    Colour stays colour (red seals and red headers are part of a court document);
    palette, bilevel and 16-bit images become 8-bit grey or RGB, and transparent
    parts white paper. A file of several pages (a multi-page TIFF) is refused
    rather than read as its first page.
    """
    label = name or (str(data) if isinstance(data, Path) else "image")
    raw = data.read_bytes() if isinstance(data, Path) else data
    if not raw:
        raise ImageError(f"{label}: the file is empty (0 bytes); scan the page again")

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels; the station's own limit decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            _check_size(label, image.size, max_pixels)
            image.load()
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow 13 refuses, while reading the header, anything over twice its own
        # limit (179 million pixels), so the size is known only from its message.
        raise ImageError(
            f"{label}: the header claims more pixels than the limit of "
            f"{max_pixels:,} ({exc}); the file is refused unread"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"{label}: not an image file the station can read (PNG, JPEG, TIFF, PNM)"
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        # Pillow 13 reports truncated and corrupt files as OSError or SyntaxError and
        # unknown formats as UnidentifiedImageError (an OSError).
        raise ImageError(
            f"{label}: cannot be decoded ({exc}); the file is corrupt or truncated"
        ) from exc

    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise ImageError(
            f"{label}: the file holds {frames} pages; the station takes one page per "
            "file, so split it first (for a TIFF: tiffsplit)"
        )
    return DecodedPage(pixels=_to_array(image), dpi=_declared_dpi(image))


def _check_size(label: str, size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageError(
            f"{label}: the header claims {width} x {height} pixels, more than the "
            f"limit of {max_pixels:,}; the file is refused unread (raise "
            "capture.max_pixels only for genuine oversize scans)"
        )


def _to_array(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGB", "L"):
        return np.asarray(image)
    if image.mode in ("1", "I;16", "I;16B", "I;16L", "I", "F"):
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            wide = np.asarray(image, dtype=np.float64)
            top = 65535.0 if wide.max(initial=0) > 255 else 255.0
            return np.clip(wide * 255.0 / top, 0, 255).astype(np.uint8)
        return np.asarray(image.convert("L"))
    if image.mode in ("LA", "La", "RGBA", "RGBa", "PA") or (
        image.mode == "P" and "transparency" in image.info
    ):
        # Transparent parts are paper: laid on white, not on the black that
        # dropping the alpha channel leaves.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(paper, rgba)
        return np.asarray(flat.convert("L" if image.mode in ("LA", "La") else "RGB"))
    return np.asarray(image.convert("RGB"))


def _declared_dpi(image: Image.Image) -> float | None:
    """Return the file's resolution when it is believable, else None.

    Many cameras and converters write 72 or 96 dpi whatever the page was scanned at,
    so those values and anything outside 100-2400 dpi are treated as unknown.
    """
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        value = float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return None
    if value in (72.0, 96.0) or not 100.0 <= value <= 2400.0:
        return None
    return round(value, 1)


def write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it is whole or absent after a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not also keep half a file
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def encode_png(pixels: np.ndarray, dpi: float | None = None) -> bytes:
    """Encode a grey or RGB array losslessly, recording its resolution."""
    out = io.BytesIO()
    image = Image.fromarray(pixels)
    kwargs = {"dpi": (dpi, dpi)} if dpi else {}
    image.save(out, format="PNG", compress_level=1, **kwargs)
    return out.getvalue()
