"""Searchable PDF/A-2b pages: the page image with an invisible text layer over it.

The image is embedded as it was stored (a JPEG unchanged, a bilevel PNG losslessly,
both through img2pdf). Each recognised line is written once, in reading order, in
text render mode 3 with a font whose glyphs are blank, sized to the line's height
and stretched horizontally (``Tz``) to the line's width, so a selection covers the
printed line and a search finds words where they are printed. Characters are written
as UTF-16 code units through an Identity-H CID font whose ToUnicode map is the
identity, so Chinese text comes back from ``pdftotext`` exactly as recognised, with
no spaces between Chinese characters.

PDF/A-2b asks for an embedded colour profile (sRGB, as an output intent), XMP
metadata naming the conformance level, and embedded fonts; all three are written
here and read back by the tests. No timestamps are written, so the same page gives
the same bytes when a worker processes it again after a crash.
"""

from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Iterable

import img2pdf
import pikepdf
from PIL import ImageCms

from station.ocr._glyphless import ADVANCE, FONT_NAME, UNITS_PER_EM, glyphless_font
from station.ocr._model import OcrLine, OcrResult

PRODUCER = "station"


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile from LittleCMS, marked as ICC version 4.2.

    LittleCMS writes its built-in sRGB as version 4.4; ISO 19005-2 refers to ICC
    version 4.2, and the profile uses nothing newer, so the header says 4.2. Its
    profile ID is left zero ("not computed"), which the ICC format allows.
    """
    profile = bytearray(
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    )
    profile[8:12] = bytes((4, 0x20, 0, 0))
    profile[84:100] = bytes(16)
    return bytes(profile)


def searchable_page(
    image_data: bytes, result: OcrResult, dpi: float, title: str = ""
) -> bytes:
    """One PDF/A-2b page of ``image_data`` with ``result``'s lines as its text."""
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    pdf = pikepdf.open(io.BytesIO(img2pdf.convert(image_data, layout_fun=layout)))
    page = pdf.pages[0]
    height_pt = float(page.mediabox[3]) - float(page.mediabox[1])
    scale = 72.0 / dpi
    if result.lines:
        page.Resources.Font = pikepdf.Dictionary(OCR=_font(pdf))
        stream = _text_stream(result.lines, scale, height_pt)
        page.contents_add(pikepdf.Stream(pdf, stream), prepend=False)
    make_pdfa(pdf, title)
    return _save(pdf)


def make_pdfa(pdf: pikepdf.Pdf, title: str = "") -> None:
    """Add the sRGB output intent and the PDF/A-2b XMP identification."""
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc.N = 3
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier=pikepdf.String("sRGB"),
                Info=pikepdf.String("sRGB IEC61966-2.1"),
                DestOutputProfile=icc,
            )
        ]
    )
    if "/Info" in pdf.trailer:
        del pdf.trailer.Info  # img2pdf's dates; the XMP below says all there is
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = PRODUCER
        if title:
            meta["dc:title"] = title


def _save(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True, linearize=False)
    pdf.close()
    return buffer.getvalue()


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """A Type0 font over the blank TrueType: every code maps to glyph 1."""
    font_file = pikepdf.Stream(pdf, glyphless_font())
    font_file.Length1 = len(glyphless_font())
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/" + FONT_NAME),
        Flags=5,
        FontBBox=[0, 0, ADVANCE, UNITS_PER_EM],
        ItalicAngle=0,
        Ascent=UNITS_PER_EM,
        Descent=0,
        CapHeight=UNITS_PER_EM,
        StemV=80,
        FontFile2=font_file,
    )
    gid_map = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536, 9))
    gid_map.Filter = pikepdf.Name.FlateDecode
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/" + FONT_NAME),
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"),
            Ordering=pikepdf.String("Identity"),
            Supplement=0,
        ),
        FontDescriptor=descriptor,
        DW=ADVANCE,
        CIDToGIDMap=gid_map,
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pikepdf.Stream(pdf, _to_unicode()),
        )
    )


def _to_unicode() -> bytes:
    """A CMap sending each two-byte code to the same UTF-16 code unit.

    Ranges stop at each 256-code boundary because a ``bfrange`` may only vary the
    last byte of its destination.
    """
    ranges = "\n".join(f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256))
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"100 beginbfrange\n{_first(ranges, 0, 100)}\nendbfrange\n"
        f"100 beginbfrange\n{_first(ranges, 100, 200)}\nendbfrange\n"
        f"56 beginbfrange\n{_first(ranges, 200, 256)}\nendbfrange\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def _first(ranges: str, start: int, stop: int) -> str:
    """Lines ``start`` to ``stop`` of ``ranges``: a CMap block holds at most 100."""
    return "\n".join(ranges.split("\n")[start:stop])


def _text_stream(lines: Iterable[OcrLine], scale: float, page_h_pt: float) -> bytes:
    """Content stream drawing every line invisibly over its box, in reading order."""
    ops = ["q", "BT", "3 Tr"]
    for line in lines:
        text = line.text.strip()
        if not text or line.box.width <= 0 or line.box.height <= 0:
            continue
        code = text.encode("utf-16-be")
        size = line.box.height * scale
        natural = len(code) // 2 * size * ADVANCE / UNITS_PER_EM
        stretch = 100.0 * line.box.width * scale / natural
        x = line.box.x0 * scale
        y = page_h_pt - line.box.y1 * scale
        ops.append(f"/OCR {size:.2f} Tf {stretch:.2f} Tz")
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm <{code.hex().upper()}> Tj")
    ops.extend(["ET", "Q"])
    return "\n".join(ops).encode("ascii")
