"""Cover (separator) sheets: printed before a document, read back from its scan.

A cover sheet tells the station, without OCR, where a document starts and what it is:
case number, catalog item, enforcement node, the page count the clerk expects and the
submission it belongs to. The same facts are printed as Chinese text for the person
holding the paper, and carried by a QR code for the machine as compact JSON::

    {"kind":"station-cover","v":1,"case":"（2026）豫1330执1234号","item":"Z12",
     "node":"线下查封","pages":12,"sub":"S-0007"}

The sheet is laid out with Pillow at 300 dpi and wrapped losslessly into an A4 PDF,
so the printed page is exactly the image the tests read back.

Reading never guesses. A QR code whose payload is not a station cover (a court's
verification code on a ruling, say) is ignored; a code that is present but cannot be
decoded, or a cover whose fields or case number are malformed or belong to another
court, raises ``CoverSheetError`` so the operator reprints the sheet.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import img2pdf
import numpy as np
import pikepdf
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from station._errors import ConfigError
from station.documents._caseno import DEFAULT_COURT, parse_case_number
from station.documents._catalog import Catalog, Node
from station.documents._errors import CoverSheetError

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_NODES = frozenset(node.value for node in Node)
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

KIND = "station-cover"
VERSION = 1
DPI = 300
A4_MM = (210.0, 297.0)
DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
#: Face 2 of the Noto CJK collection is Simplified Chinese.
_FONT_INDEX = 2
#: One QR module is 12 px at 300 dpi, about 1 mm: readable from a 150 dpi scan.
_MODULE_PX = 12


@dataclass(frozen=True)
class CoverSheet:
    """What a cover sheet says; ``rotation_deg`` is how its scan was turned (0-270).

    ``expected_pages`` counts the pages with content the clerk expects (blank backs
    are not counted). ``item_name`` is printed for people but not carried in the
    code: the station looks the item up in its own catalog. ``rotation_deg`` is the
    clockwise turn of the content as scanned; turning the page counter-clockwise by
    it makes the page upright.
    """

    case_number: str
    item_code: str
    node: Node | None
    expected_pages: int
    submission_id: str
    item_name: str = ""
    rotation_deg: int = 0

    def payload(self) -> str:
        """The QR code's text: compact JSON with short keys."""
        data = {
            "kind": KIND,
            "v": VERSION,
            "case": self.case_number,
            "item": self.item_code,
            "node": self.node.value if self.node else None,
            "pages": self.expected_pages,
            "sub": self.submission_id,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def render_cover_sheet(
    info: CoverSheet, font_path: Path = DEFAULT_FONT, own_court: str = DEFAULT_COURT
) -> bytes:
    """An A4 PDF of the cover sheet, ready to print."""
    image = Image.fromarray(cover_sheet_image(_printable(info, own_court), font_path))
    png = io.BytesIO()
    image.save(png, format="PNG", dpi=(DPI, DPI))
    size_pt = (img2pdf.mm_to_pt(A4_MM[0]), img2pdf.mm_to_pt(A4_MM[1]))
    pdf: bytes = img2pdf.convert(
        png.getvalue(), layout_fun=img2pdf.get_layout_fun(size_pt)
    )
    return pdf


def _printable(info: CoverSheet, own_court: str) -> CoverSheet:
    """The sheet with its case number normalised; refuses what the reader would.

    A clerk should never print a sheet the station will not accept: the case number
    must be valid, of this court and not in the future.
    """
    case = parse_case_number(info.case_number, own_court=own_court)
    if not case.valid or case.problems:
        raise CoverSheetError(
            f"no cover sheet for case number {info.case_number!r}: "
            f"{'; '.join(case.problems)}"
        )
    if info.expected_pages < 0:
        raise CoverSheetError(f"page count {info.expected_pages} is negative")
    return dataclasses.replace(info, case_number=case.normalized)


def cover_sheet_image(info: CoverSheet, font_path: Path = DEFAULT_FONT) -> np.ndarray:
    """The cover sheet as a grey A4 page at 300 dpi: the layout the PDF carries."""
    width, height = (round(mm / 25.4 * DPI) for mm in A4_MM)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    margin = round(20 / 25.4 * DPI)

    title_font = _font(font_path, 110)
    draw.text(
        (width // 2, margin + 60), "材料分隔页", font=title_font, fill=0, anchor="mm"
    )

    qr = _qr_image(info.payload())
    page.paste(qr, ((width - qr.width) // 2, margin + 220))

    text_font = _font(font_path, 64)
    y = margin + 260 + qr.height
    for line in _text_lines(info):
        for part in _wrap(draw, line, text_font, width - 2 * margin):
            draw.text((margin, y), part, font=text_font, fill=0)
            y += 100
    note = "本页为扫描分隔页，不入卷宗；请放在该份材料第一页之前。"
    draw.text((margin, height - margin - 80), note, font=_font(font_path, 48), fill=0)
    return np.asarray(page)


def rasterise_cover_pdf(pdf: bytes) -> np.ndarray:
    """The cover PDF's page as a 300 dpi grey image, for checks and tests.

    The page is the image ``cover_sheet_image`` drew, so extracting it losslessly
    gives the same pixels a PDF renderer produces at 300 dpi, without one.
    """
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        images = list(doc.pages[0].get_images().values())
        if len(images) != 1 or not isinstance(images[0], pikepdf.Stream):
            raise CoverSheetError("the PDF is not a station cover sheet (one image)")
        pil = pikepdf.PdfImage(images[0]).as_pil_image()
    return np.asarray(pil.convert("L"))


def read_cover_sheet(
    pixels: np.ndarray,
    *,
    catalog: Catalog | None = None,
    own_court: str = DEFAULT_COURT,
) -> CoverSheet | None:
    """The cover sheet on a scanned page, None when the page holds none.

    The page may lie any side up: zxing-cpp finds QR codes in every orientation and
    reports the turn. With ``catalog`` the item code must be one of its codes.
    """
    grey = _grey(pixels)
    found = zxingcpp.read_barcodes(grey, formats=_QR_ONLY, return_errors=True)
    covers: list[CoverSheet] = []
    for code in found:
        if not code.valid:
            _refuse_damaged(code)
            continue
        cover = _parse_payload(code.bytes, int(code.orientation), catalog, own_court)
        if cover is not None:
            covers.append(cover)

    if len({c.payload() for c in covers}) > 1:
        raise CoverSheetError("one page carries two different cover codes; reprint it")
    return covers[0] if covers else None


def _refuse_damaged(code: zxingcpp.Barcode) -> None:
    """Raise for a QR code that was found but whose data fails its checksum.

    zxing-cpp 3.1 also returns format errors for patterns that merely look like a
    QR finder (one in the 38 pages of the shared scan corpus, a fold); those are
    not codes and are ignored, while a checksum error means real modules were read
    and damaged, so the page may well be a cover that must not be guessed at.
    """
    if code.error is not None and code.error.type == zxingcpp.ErrorType.Checksum:
        raise CoverSheetError(
            f"a QR code at {_where(code)} is damaged and cannot be read; if this "
            "is a cover sheet, reprint it and scan it again"
        )
    log.debug("ignored a QR-like pattern at %s: %s", _where(code), code.error)


def _parse_payload(
    raw: bytes, orientation_deg: int, catalog: Catalog | None, own_court: str
) -> CoverSheet | None:
    """A cover from a QR payload; None when the code is someone else's."""
    data = _station_payload(raw)
    if data is None:
        return None
    if data.get("v") != VERSION:
        raise CoverSheetError(
            f"cover sheet version {data.get('v')!r} is not {VERSION}; reprint it "
            "from this station"
        )

    pages = _field(data, "pages", int)
    if pages < 0:
        raise CoverSheetError(f"cover sheet page count {pages} is negative")
    return CoverSheet(
        case_number=_case_of(data, own_court),
        item_code=_item_of(data, catalog),
        node=_node_of(data),
        expected_pages=pages,
        submission_id=_field(data, "sub", str),
        rotation_deg=round(orientation_deg / 90) % 4 * 90,
    )


def _station_payload(raw: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        # Any other QR code (a ruling's verification link, a parcel label) is not
        # ours; it is left to the document it belongs to.
        return None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        return None
    return data


def _case_of(data: dict[str, object], own_court: str) -> str:
    """The normalised case number; any problem at all refuses the sheet."""
    case = _field(data, "case", str)
    parsed = parse_case_number(case, own_court=own_court)
    if not parsed.valid or parsed.problems:
        raise CoverSheetError(
            f"cover sheet case number {case!r}: {'; '.join(parsed.problems)}; "
            "correct the case and reprint the sheet"
        )
    return parsed.normalized


def _item_of(data: dict[str, object], catalog: Catalog | None) -> str:
    item = _field(data, "item", str)
    if catalog is not None and item not in catalog:
        raise CoverSheetError(
            f"cover sheet item {item!r} is not in catalog {catalog.source}; reprint "
            "the sheet with a current item code"
        )
    return item


def _node_of(data: dict[str, object]) -> Node | None:
    value = data.get("node")
    if value is None:
        return None
    if not isinstance(value, str) or value not in _NODES:
        raise CoverSheetError(f"cover sheet node {value!r} is unknown")
    return Node(value)


def _field(data: dict[str, object], key: str, kind: type[_T]) -> _T:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CoverSheetError(f"cover sheet field {key!r} is missing or malformed")
    return value


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        rgb = pixels[:, :, :3].astype(np.float32)
        grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return np.ascontiguousarray(grey.round().astype(np.uint8))
    raise CoverSheetError(f"a page of shape {pixels.shape} is not an image")


def _where(code: zxingcpp.Barcode) -> str:
    top_left = code.position.top_left
    return f"x={top_left.x}, y={top_left.y}"


def _qr_image(payload: str) -> Image.Image:
    qr = segno.make(payload, error="m", micro=False, eci=True)
    modules = np.array(list(qr.matrix), dtype=bool)
    modules = np.pad(modules, 4, constant_values=False)
    pixels = np.where(modules, 0, 255).astype(np.uint8)
    big = np.kron(pixels, np.ones((_MODULE_PX, _MODULE_PX), dtype=np.uint8))
    return Image.fromarray(big)


def _text_lines(info: CoverSheet) -> list[str]:
    item = f"{info.item_code} {info.item_name}".strip()
    return [
        f"案号：{info.case_number}",
        f"目录项：{item}",
        f"执行节点：{info.node.value if info.node else '无'}",
        f"应有页数：{info.expected_pages} 页",
        f"提交编号：{info.submission_id}",
    ]


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Break a line of Chinese text where it would overrun the printable width."""
    lines, current = [], ""
    for char in text:
        if current and draw.textlength(current + char, font=font) > width:
            lines.append(current)
            current = "  "
        current += char
    return [*lines, current]


def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(path), size_px, index=_FONT_INDEX)
    except OSError as exc:
        raise ConfigError(
            f"the CJK font {path} cannot be loaded ({exc}); install fonts-noto-cjk "
            "or set the cover font path"
        ) from exc
