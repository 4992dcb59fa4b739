"""A printable receipt for the person who handed in the paper.

It says what the center received and scanned: when, on which station, which
documents of which cases under which catalog items, how many sheets and sides, which
pages were set aside as blank or failed, and every problem found, so the submitter
can check it against their material list before leaving the counter. The pages are
drawn at 300 dpi and wrapped into an A4 PDF with img2pdf, like the cover sheets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw

from station.documents._cover import A4_MM, DEFAULT_FONT, DPI, _font, _wrap

_MARGIN = 180
_LINE = 66
_PAGE_PX = (round(A4_MM[0] / 25.4 * DPI), round(A4_MM[1] / 25.4 * DPI))


@dataclass(frozen=True)
class ReceiptDocument:
    case: str
    item: str  # code and name
    pages: int
    expected_pages: int | None
    file_name: str


@dataclass(frozen=True)
class Receipt:
    station_id: str
    batch_id: str
    scanned_at: str
    submissions: tuple[str, ...]
    sheets_fed: int
    sides_captured: int
    pages_kept: int
    blank_pages: tuple[int, ...]
    cover_pages: tuple[int, ...]
    failed_pages: tuple[int, ...]
    documents: tuple[ReceiptDocument, ...]
    problems: tuple[str, ...]


def receipt_lines(receipt: Receipt) -> list[str]:
    """The receipt's text, line by line; the PDF draws exactly these lines."""

    def listing(numbers: Sequence[int]) -> str:
        return "、".join(str(n) for n in numbers) if numbers else "无"

    lines = [
        "材料接收与扫描回执",
        "",
        f"扫描时间：{receipt.scanned_at}",
        f"扫描工作站：{receipt.station_id}    批次：{receipt.batch_id}",
        f"提交编号：{'、'.join(receipt.submissions) or '无（未使用分隔页）'}",
        f"进纸 {receipt.sheets_fed} 张，扫描 {receipt.sides_captured} 面，"
        f"入卷 {receipt.pages_kept} 页",
        f"空白页（未入卷，已留存）：{listing(receipt.blank_pages)}",
        f"分隔页：{listing(receipt.cover_pages)}",
        f"未能处理的页：{listing(receipt.failed_pages)}",
        "",
        "文书：",
    ]
    for n, doc in enumerate(receipt.documents, start=1):
        expected = (
            "" if doc.expected_pages is None else f"（应有 {doc.expected_pages} 页）"
        )
        lines.append(f"{n}. {doc.case}  {doc.item}  {doc.pages} 页{expected}")
        lines.append(f"   {doc.file_name}")
    lines += ["", "问题：" if receipt.problems else "问题：无"]
    lines += [f"- {problem}" for problem in receipt.problems]
    lines += ["", "", "提交人签名：________________    接收人签名：________________"]
    return lines


def render_receipt(receipt: Receipt, font_path: Path = DEFAULT_FONT) -> bytes:
    """An A4 PDF of the receipt, as many pages as its lines need."""
    font = _font(font_path, 44)
    width, height = _PAGE_PX
    pages: list[bytes] = []
    page, draw, y = _new_page()
    for line in receipt_lines(receipt):
        for part in _wrap(draw, line, font, width - 2 * _MARGIN) if line else [""]:
            if y + _LINE > height - _MARGIN:
                pages.append(_png(page))
                page, draw, y = _new_page()
            draw.text((_MARGIN, y), part, font=font, fill=0)
            y += _LINE
    pages.append(_png(page))
    size_pt = (img2pdf.mm_to_pt(A4_MM[0]), img2pdf.mm_to_pt(A4_MM[1]))
    pdf: bytes = img2pdf.convert(pages, layout_fun=img2pdf.get_layout_fun(size_pt))
    return pdf


def _new_page() -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    page = Image.new("L", _PAGE_PX, 255)
    return page, ImageDraw.Draw(page), _MARGIN


def _png(page: Image.Image) -> bytes:
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()
