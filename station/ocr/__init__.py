"""OCR: text and searchable PDF/A pages from cleaned page images.

Two engines stand behind one interface (``OcrEngine``): PP-OCRv4 through
onnxruntime for Chinese pages, Tesseract for the rest. Either way a page becomes an
``OcrResult`` of lines with boxes and confidences, and then one PDF/A-2b page whose
invisible text layer lies over the page image. ``read_orientation`` asks PP-OCRv4
which way up a page is, for pages the orientation network is unsure of.
"""

from station.ocr._cli import ocr_cli
from station.ocr._model import (
    Box,
    OcrEngine,
    OcrLine,
    OcrResult,
    OcrWord,
    join_cjk,
)
from station.ocr._orient import TextOrientation, read_orientation
from station.ocr._pdf import merge_pdfs
from station.ocr._recognise import (
    EngineChoice,
    OcrPage,
    choose_engine,
    engine_for,
    recognise_page,
)
from station.ocr._tesseract import OcrError, TesseractEngine, tesseract_version
from station.ocr._textpdf import searchable_page

__all__ = [
    "Box",
    "EngineChoice",
    "OcrEngine",
    "OcrError",
    "OcrLine",
    "OcrPage",
    "OcrResult",
    "OcrWord",
    "TesseractEngine",
    "TextOrientation",
    "choose_engine",
    "engine_for",
    "join_cjk",
    "merge_pdfs",
    "ocr_cli",
    "read_orientation",
    "recognise_page",
    "searchable_page",
    "tesseract_version",
]
