"""Process one captured page: decode, clean, recognise. Runs in worker processes.

A worker reads the raw page from the spool and writes its results next to it; it
never touches the database. The daemon records the returned ``PageOutcome`` in one
transaction, so a worker killed half-way leaves the page *captured* and it is simply
processed again: output files are named by page and overwritten whole.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from station._errors import StationError
from station._imageio import decode_image, write_durably
from station.documents import Catalog
from station.ocr import read_orientation, recognise_page
from station.preprocess import CleanSettings, OrientationEstimate, clean_page

log = logging.getLogger(__name__)

#: Pages of unknown resolution (imported files without believable metadata) are
#: processed as if scanned at this resolution and flagged ``dpi_unknown``.
ASSUMED_DPI = 300


@dataclass(frozen=True)
class PageJob:
    page_id: int
    page_no: int
    raw_path: str
    out_dir: str
    dpi: int | None
    min_dpi: int
    max_pixels: int
    languages: str
    timeout_s: int
    deskew: bool = True
    crop_border: bool = True
    detect_blank: bool = True
    orientation_check: bool = True
    ocr_engine: str = "auto"  # "auto", "rapidocr" or "tesseract"
    cover_sheets: bool = True
    own_court: str = "豫1330"
    catalog_path: str = ""  # "" means the catalog shipped with the station


@dataclass(frozen=True)
class PageOutcome:
    page_id: int
    state: str  # a PageState value
    error: str = ""
    width: int | None = None
    height: int | None = None
    dpi: int | None = None
    skew_deg: float | None = None
    skew_confident: bool | None = None
    crop: tuple[int, int, int, int] | None = None
    blank_score: float | None = None
    flags: tuple[str, ...] = ()
    clean_path: str | None = None
    clean_sha256: str | None = None
    pdf_path: str | None = None
    text: str | None = None
    ocr_confidence: float | None = None
    ocr_engine: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cover: str | None = None  # JSON of the cover sheet found on the page
    problems: tuple[str, ...] = ()
    orientation: int | None = None  # clockwise turn applied, degrees
    orientation_confidence: float | None = None
    orientation_by: str | None = None  # "network" or "check"


def init_worker() -> None:
    """Give each worker process one core's worth of threads.

    Tesseract's OpenMP threads and OpenCV's pool fight each other when every worker
    also starts one thread per core; one worker per core with one thread each is
    faster on the two-to-four-core boxes the station runs on.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _die_with_parent()
    # Ctrl-C reaches the whole process group; the daemon decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the daemon dies, even by SIGKILL.

    Without it, the workers of a killed daemon wait forever on their queue.
    """
    import ctypes

    pr_set_pdeathsig = 1  # from <linux/prctl.h>
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the workers then outlive a kill
        log.debug("prctl(PR_SET_PDEATHSIG) is not available here")


def process_page(job: PageJob) -> PageOutcome:
    """Clean and recognise one page; expected failures become a *failed* outcome."""
    try:
        return _process(job)
    except StationError as exc:
        log.warning("page %d: %s", job.page_no, exc.message)
        return PageOutcome(job.page_id, "failed", error=exc.message)


def check_orientation_by_text(page: np.ndarray, dpi: float) -> OrientationEstimate:
    """Ask PP-OCRv4 which way up a page is, for pages the network is unsure of.

    The check never fails a page: when it cannot run (the OCR models are
    missing, the page defeats it) the page stays flagged for review.
    """
    try:
        found = read_orientation(page, dpi)
    except StationError as exc:
        log.warning("orientation check by text could not run: %s", exc.message)
        return OrientationEstimate(0, 0.0, False, "check failed", 0.0)
    reason = found.reason if not found.confident else f"ok, {found.lines} text lines"
    return OrientationEstimate(
        found.degrees, found.confidence, found.confident, reason, found.ms
    )


def _process(job: PageJob) -> PageOutcome:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    decoded = decode_image(Path(job.raw_path), job.max_pixels, f"page {job.page_no}")
    timings["decode_ms"] = _ms(started)

    problems: list[str] = []
    if job.cover_sheets:
        started = time.perf_counter()
        cover, problem = _read_cover(job, decoded.pixels)
        timings["cover_ms"] = _ms(started)
        if cover is not None:
            return PageOutcome(job.page_id, "cover", cover=cover, timings=timings)
        if problem:
            problems.append(problem)

    flags = []
    dpi = job.dpi or (round(decoded.dpi) if decoded.dpi else None)
    if dpi is None:
        flags.append("dpi_unknown")
        dpi = ASSUMED_DPI
    elif dpi < job.min_dpi:
        flags.append("low_dpi")

    settings = CleanSettings(
        deskew=job.deskew,
        crop_border=job.crop_border,
        detect_blank=job.detect_blank,
        orientation_check=check_orientation_by_text if job.orientation_check else None,
    )
    cleaned = clean_page(decoded.pixels, float(dpi), settings)
    timings["clean_ms"] = round(cleaned.ms, 1)
    if not cleaned.skew_confident:
        flags.append("skew_unsure")
    if not cleaned.orientation_confident and not cleaned.blank:
        flags.append("orientation_unsure")
    height, width = decoded.pixels.shape[:2]
    common = {
        "width": width,
        "height": height,
        "dpi": dpi,
        "skew_deg": round(cleaned.skew_deg, 3),
        "skew_confident": cleaned.skew_confident,
        "crop": tuple(int(v) for v in cleaned.crop),
        "blank_score": round(float(cleaned.blank_score), 5),
        "orientation": cleaned.orientation,
        "orientation_confidence": round(cleaned.orientation_confidence, 3),
        "orientation_by": cleaned.orientation_by,
    }
    if cleaned.blank:
        return PageOutcome(
            job.page_id,
            "blank",
            flags=tuple(flags),
            timings=timings,
            problems=tuple(problems),
            **common,
        )

    started = time.perf_counter()
    out_dir = Path(job.out_dir)
    data, suffix = _encode_page(cleaned.image, dpi)
    clean_path = out_dir / "clean" / f"{job.page_no:04d}{suffix}"
    write_durably(clean_path, data)
    timings["store_ms"] = _ms(started)

    ocr = recognise_page(
        cleaned.image, data, dpi, job.languages, job.timeout_s, job.ocr_engine
    )
    timings["ocr_ms"] = round(ocr.ms, 1)
    pdf_path = out_dir / "pdf" / f"{job.page_no:04d}.pdf"
    write_durably(pdf_path, ocr.pdf)
    return PageOutcome(
        job.page_id,
        "recognised",
        flags=tuple(flags),
        clean_path=str(clean_path),
        clean_sha256=hashlib.sha256(data).hexdigest(),
        pdf_path=str(pdf_path),
        text=ocr.text,
        ocr_confidence=ocr.mean_confidence,
        ocr_engine=ocr.engine,
        timings=timings,
        problems=tuple(problems),
        **common,
    )


def _encode_page(pixels: np.ndarray, dpi: int) -> tuple[bytes, str]:
    """Encode the cleaned page for the PDF: bilevel as 1-bit PNG, the rest as JPEG.

    A page that holds only black and white (a bilevel scan) stays lossless and
    small; grey and colour pages are JPEG at quality 90. The searchable PDF embeds
    either file's compressed data unchanged (img2pdf), and OCR reads the cleaned
    pixels themselves, not this encoding.
    """
    out = io.BytesIO()
    image = Image.fromarray(pixels)
    if pixels.ndim == 2 and _is_bilevel(pixels):
        image.convert("1", dither=Image.Dither.NONE).save(
            out, format="PNG", dpi=(dpi, dpi)
        )
        return out.getvalue(), ".png"
    image.save(out, format="JPEG", quality=90, dpi=(dpi, dpi))
    return out.getvalue(), ".jpg"


def _is_bilevel(gray: np.ndarray) -> bool:
    sample = gray[::4, ::4]
    return bool(np.isin(sample, (0, 255)).mean() > 0.995)


def _read_cover(job: PageJob, pixels: np.ndarray) -> tuple[str | None, str]:
    """Look for a cover sheet's QR code: its JSON, or a problem to report.

    A code that is present but damaged, or names a foreign case or an unknown item,
    is reported and the page is processed as an ordinary page: a split is never
    guessed.
    """
    from station.documents import CoverSheetError, read_cover_sheet

    try:
        cover = read_cover_sheet(
            pixels, catalog=_catalog(job.catalog_path), own_court=job.own_court
        )
    except CoverSheetError as exc:
        return None, exc.message
    if cover is None:
        return None, ""
    data = dataclasses.asdict(cover)
    data["node"] = cover.node.value if cover.node else None
    return json.dumps(data, ensure_ascii=False), ""


@functools.cache
def _catalog(path: str) -> Catalog:
    from station.documents import load_catalog

    return load_catalog(Path(path) if path else None)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)
