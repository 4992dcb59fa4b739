"""Join single-page PDFs into one document PDF with pikepdf.

When every part is PDF/A-2b (as the OCR pages are), the document is marked PDF/A-2b
too and keeps the parts' sRGB output intent; otherwise it is a plain PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pikepdf

from station.ocr._textpdf import make_pdfa


def merge_pdfs(parts: Sequence[Path], title: str = "") -> bytes:
    """Return one PDF holding every page of ``parts`` in order."""
    return merge_pdf_bytes([Path(part).read_bytes() for part in parts], title)


def merge_pdf_bytes(parts: Sequence[bytes], title: str = "") -> bytes:
    """Return one PDF holding every page of the PDFs in ``parts``, in order."""
    out = pikepdf.new()
    opened = []
    try:
        all_pdfa = bool(parts)
        for part in parts:
            pdf = pikepdf.open(io.BytesIO(part))
            opened.append(pdf)
            all_pdfa = all_pdfa and _is_pdfa(pdf)
            out.pages.extend(pdf.pages)
        if all_pdfa:
            make_pdfa(out, title)
        elif title:
            with out.open_metadata() as meta:
                meta["dc:title"] = title
        buffer = io.BytesIO()
        # A fixed /ID makes the same pages give the same bytes, so a document rebuilt
        # after a restart has the same hash as the one first built.
        out.save(buffer, deterministic_id=True, linearize=False)
        return buffer.getvalue()
    finally:
        for pdf in opened:
            pdf.close()
        out.close()


def _is_pdfa(pdf: pikepdf.Pdf) -> bool:
    if "/OutputIntents" not in pdf.Root:
        return False
    meta = pdf.open_metadata()
    return str(meta.get("pdfaid:part", "")) == "2"
