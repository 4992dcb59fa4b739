"""Join single-page PDFs into one document PDF with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pikepdf


def merge_pdfs(parts: Sequence[Path], title: str = "") -> bytes:
    """Return one PDF holding every page of ``parts`` in order."""
    out = pikepdf.new()
    opened = []
    try:
        for part in parts:
            pdf = pikepdf.open(part)
            opened.append(pdf)
            out.pages.extend(pdf.pages)
        if title:
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
