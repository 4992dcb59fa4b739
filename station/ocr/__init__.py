"""OCR: text and searchable PDF pages from cleaned page images."""

from station.ocr._pdf import merge_pdfs
from station.ocr._tesseract import (
    OcrError,
    OcrPage,
    join_cjk,
    recognise_file,
    tesseract_version,
)

__all__ = [
    "OcrError",
    "OcrPage",
    "join_cjk",
    "merge_pdfs",
    "recognise_file",
    "tesseract_version",
]
