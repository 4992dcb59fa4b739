"""The one seam to Tesseract, through pytesseract.

Tesseract reads the page once and reports every word with its box and confidence
(its TSV output); the station groups the words into Tesseract's own lines and lays
them over the page image itself, so both engines give the same kind of PDF.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import time

import numpy as np
import pytesseract
from PIL import Image

from station._errors import StationError
from station.ocr._model import (
    Box,
    OcrLine,
    OcrResult,
    OcrWord,
    tidy,
)
from station.ocr._prepare import ocr_grey

log = logging.getLogger(__name__)


class OcrError(StationError):
    """An OCR engine failed, timed out or is not installed."""

    exit_code = 3


@functools.cache
def tesseract_version() -> str:
    return str(pytesseract.get_tesseract_version())


class TesseractEngine:
    """Tesseract 5 with the LSTM models of ``languages`` (e.g. ``chi_sim+eng``)."""

    def __init__(self, languages: str, timeout_s: int = 180) -> None:
        self.languages = languages
        self.timeout_s = timeout_s

    @property
    def name(self) -> str:
        return f"tesseract {tesseract_version()} {self.languages}"

    def recognise(self, image: np.ndarray, dpi: float) -> OcrResult:
        started = time.perf_counter()
        tsv = self._run(Image.fromarray(ocr_grey(image)), dpi)
        return OcrResult(
            # Tesseract's own order (block, paragraph, line) follows columns.
            lines=tuple(_lines(tsv)),
            width=int(image.shape[1]),
            height=int(image.shape[0]),
            engine=self.name,
            ms=(time.perf_counter() - started) * 1000.0,
        )

    def _run(self, image: Image.Image, dpi: float) -> str:
        try:
            return str(
                pytesseract.image_to_data(
                    image,
                    lang=self.languages,
                    config=f"--dpi {round(dpi)}",
                    timeout=self.timeout_s,
                )
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OcrError(
                f"Tesseract took longer than {self.timeout_s} s on this page; "
                "raise ocr.timeout_s or rescan the page"
            ) from exc
        except pytesseract.TesseractError as exc:
            raise OcrError(f"Tesseract failed on this page: {exc.message}") from exc
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrError(
                "Tesseract is not installed: run the station's install script"
            ) from exc


def _lines(tsv: str) -> list[OcrLine]:
    """Group the words of Tesseract's TSV into its lines.

    Rows of level 5 are words; block, paragraph and line numbers name the line a word
    belongs to (Tesseract 4 and 5 write the same columns). Words with confidence -1
    are layout placeholders and are skipped.
    """
    grouped: dict[tuple[str, str, str], list[OcrWord]] = {}
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            conf = float(row["conf"])
            left, top = int(row["left"]), int(row["top"])
            box = Box(left, top, left + int(row["width"]), top + int(row["height"]))
        except (KeyError, ValueError):
            continue  # a malformed row; Tesseract 5.3 writes none, older builds did
        if conf < 0:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        grouped.setdefault(key, []).append(OcrWord(text, box, conf))
    lines = []
    for words in grouped.values():
        box = Box(
            min(w.box.x0 for w in words),
            min(w.box.y0 for w in words),
            max(w.box.x1 for w in words),
            max(w.box.y1 for w in words),
        )
        text = tidy(" ".join(w.text for w in words))
        chars = sum(len(w.text) for w in words)
        conf = sum(w.confidence * len(w.text) for w in words) / chars
        lines.append(OcrLine(text, box, round(conf, 1), tuple(words)))
    return lines
