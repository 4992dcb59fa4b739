"""A TrueType font whose only glyph is empty, for invisible PDF text layers.

The text layer of a searchable page is drawn in render mode 3 (neither filled nor
stroked), so its glyphs never show; still, PDF/A wants every font embedded and each
used glyph's width in the PDF to match the font program. This font has a
``.notdef`` and one blank glyph, both 500 units wide on a 1000-unit em, and the PDF
maps every character code to the blank glyph. It is built here, byte by byte, so no
font file has to be shipped or licensed.
"""

from __future__ import annotations

import functools
import struct

UNITS_PER_EM = 1000
ADVANCE = 500
FONT_NAME = "GlyphLessFont"


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return int(sum(struct.unpack(f">{len(padded) // 4}L", padded))) & 0xFFFFFFFF


def _name_table() -> bytes:
    """Family, full and PostScript names, Windows platform, UTF-16BE."""
    value = FONT_NAME.encode("utf-16-be")
    records = b"".join(
        struct.pack(">6H", 3, 1, 0x409, name_id, len(value), 0) for name_id in (1, 4, 6)
    )
    header = struct.pack(">3H", 0, 3, 6 + len(records))
    return header + records + value


def _tables() -> dict[bytes, bytes]:
    glyphs = 2
    head = struct.pack(
        ">LLLLHHqqhhhhHHh",
        0x00010000,  # version
        0x00010000,  # font revision
        0,  # checksum adjustment, filled in below
        0x5F0F3CF5,  # magic number
        0x000B,  # flags: baseline at y=0, integer scaling
        UNITS_PER_EM,
        0,  # created
        0,  # modified
        0,
        0,
        ADVANCE,
        UNITS_PER_EM,  # bounding box
        0,  # mac style
        3,  # smallest readable size
        2,  # font direction hint
    ) + struct.pack(">hh", 0, 0)  # short loca offsets, glyph data format 0
    hhea = struct.pack(
        ">LhhhHhhhhhh5hH",
        0x00010000,
        UNITS_PER_EM,  # ascender
        0,  # descender
        0,  # line gap
        ADVANCE,  # widest advance
        0,
        0,
        0,
        1,  # caret slope rise
        0,
        0,
        0,
        0,
        0,
        0,
        0,  # reserved, metric data format
        glyphs,  # number of horizontal metrics
    )
    maxp = struct.pack(">LH13H", 0x00010000, glyphs, 0, 0, 0, 0, 2, *([0] * 8))
    hmtx = struct.pack(">HhHh", ADVANCE, 0, ADVANCE, 0)
    loca = struct.pack(">3H", 0, 0, 0)  # both glyphs empty
    segment = struct.pack(">7H", 4, 24, 0, 2, 2, 0, 0) + struct.pack(
        ">HHHhH", 0xFFFF, 0, 0xFFFF, 1, 0
    )
    cmap = struct.pack(">HHHHL", 0, 1, 3, 1, 12) + segment
    post = struct.pack(">LLhhL4L", 0x00030000, 0, 0, 0, 1, 0, 0, 0, 0)
    return {
        b"cmap": cmap,
        b"glyf": b"",
        b"head": head,
        b"hhea": hhea,
        b"hmtx": hmtx,
        b"loca": loca,
        b"maxp": maxp,
        b"name": _name_table(),
        b"post": post,
    }


@functools.cache
def glyphless_font() -> bytes:
    """The font program, a complete TrueType file of under a kilobyte."""
    tables = _tables()
    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">LHHHH",
        0x00010000,
        count,
        power * 16,
        power.bit_length() - 1,
        count * 16 - power * 16,
    )
    offset = len(header) + 16 * count
    directory, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag]
        directory += struct.pack(
            ">4sLLL", tag, _checksum(data), offset + len(body), len(data)
        )
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head_at = font.index(b"head") + 8
    head_offset = struct.unpack(">L", font[head_at : head_at + 4])[0]
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_offset + 8 : head_offset + 12] = struct.pack(">L", adjustment)
    return bytes(font)
