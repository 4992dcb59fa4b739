"""The one seam to Tesseract, through pytesseract.

One Tesseract run per page yields the text, the word confidences (TSV) and a
single-page PDF whose image is the cleaned page and whose text layer is invisible, so
the text can be selected and copied. The page image is given to Tesseract as JPEG
because Tesseract 5 embeds a JPEG input file in its PDF unchanged, which keeps a
colour page at a few hundred kilobytes instead of several megabytes.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytesseract

from station._errors import StationError

log = logging.getLogger(__name__)


class OcrError(StationError):
    """Tesseract failed or timed out on a page."""

    exit_code = 3


@dataclass(frozen=True)
class OcrPage:
    text: str
    mean_confidence: float | None  # mean word confidence 0-100; None: no words
    pdf: bytes
    engine: str  # e.g. "tesseract 5.3.0 chi_sim+eng"
    ms: float


@functools.cache
def tesseract_version() -> str:
    return str(pytesseract.get_tesseract_version())


# Tesseract's chi_sim model emits a space between every pair of Chinese characters;
# copied text reads better, and searches succeed, without them.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")


def join_cjk(text: str) -> str:
    """Remove the spaces Tesseract puts between Chinese characters."""
    return _CJK_GAP.sub("", text)


def recognise_file(
    image_path: Path, languages: str, dpi: int, timeout_s: int
) -> OcrPage:
    """Run Tesseract once on ``image_path`` and return text, confidence and PDF."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="station-ocr-") as tmp:
        base = str(Path(tmp) / "page")
        try:
            pytesseract.pytesseract.run_tesseract(
                str(image_path),
                base,
                extension="pdf txt",
                lang=languages,
                config=f"--dpi {dpi} -c tessedit_create_tsv=1",
                timeout=timeout_s,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OcrError(
                f"Tesseract took longer than {timeout_s} s on this page; "
                "raise ocr.timeout_s or rescan the page"
            ) from exc
        except pytesseract.TesseractError as exc:
            raise OcrError(f"Tesseract failed on this page: {exc.message}") from exc
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrError(
                "Tesseract is not installed: run the station's install script"
            ) from exc
        text = Path(base + ".txt").read_text("utf-8")
        tsv = Path(base + ".tsv").read_text("utf-8")
        pdf = Path(base + ".pdf").read_bytes()
    return OcrPage(
        text=join_cjk(text).strip(),
        mean_confidence=_mean_confidence(tsv),
        pdf=pdf,
        engine=f"tesseract {tesseract_version()} {languages}",
        ms=(time.perf_counter() - started) * 1000.0,
    )


def _mean_confidence(tsv: str) -> float | None:
    """Mean of the word confidences in Tesseract's TSV (level 5 rows, conf >= 0)."""
    values = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip():
            try:
                conf = float(row.get("conf") or -1)
            except ValueError:
                continue
            if conf >= 0:
                values.append(conf)
    return round(sum(values) / len(values), 1) if values else None
