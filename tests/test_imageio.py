import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station._errors import ImageError
from station._imageio import decode_image, write_durably
from tests.conftest import sample


def _png_header_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"x")
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _png_header_claiming(30000, 30000)
    assert len(bomb) < 100
    with pytest.raises(ImageError, match="refused unread"):
        decode_image(bomb, max_pixels=120_000_000, name="bomb.png")


def test_page_over_the_station_limit_is_refused_with_its_size() -> None:
    header = _png_header_claiming(12000, 12000)
    with pytest.raises(ImageError, match="12000 x 12000 pixels"):
        decode_image(header, max_pixels=120_000_000, name="big.png")


def test_zero_byte_file_gets_a_clear_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        decode_image(empty)


def test_truncated_page_is_reported_as_corrupt() -> None:
    data = sample("epson.png").read_bytes()
    with pytest.raises(ImageError, match="corrupt or truncated"):
        decode_image(data[: len(data) // 2], name="half.png")


def test_random_bytes_are_not_an_image() -> None:
    with pytest.raises(ImageError, match="not an image file the station can read"):
        decode_image(b"not an image at all" * 10)


def test_colour_is_kept_and_bilevel_becomes_grey() -> None:
    colour = decode_image(sample("squeeze_error.jpeg"))
    assert colour.pixels.ndim == 3 and colour.pixels.shape[2] == 3
    bilevel = decode_image(sample("eurotext.tif"))
    assert bilevel.pixels.ndim == 2 and bilevel.pixels.dtype == np.uint8
    assert set(np.unique(bilevel.pixels)) <= {0, 255}
    assert bilevel.dpi == 300.0


def test_72_dpi_metadata_is_not_believed() -> None:
    out = io.BytesIO()
    Image.new("L", (100, 100), 255).save(out, format="PNG", dpi=(72, 72))
    assert decode_image(out.getvalue()).dpi is None


def test_write_durably_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "page.png"
    write_durably(target, b"data")
    write_durably(target, b"newer")
    assert target.read_bytes() == b"newer"
    assert [p.name for p in target.parent.iterdir()] == ["page.png"]


def test_transparent_background_becomes_white_paper() -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((10, 10, 10, 255), (50, 40, 150, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    pixels = decode_image(buffer.getvalue()).pixels

    assert pixels.shape == (100, 200, 3)
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert pixels[50, 100].tolist() == [10, 10, 10]


def test_grey_with_alpha_stays_grey_on_white() -> None:
    image = Image.new("LA", (100, 100), (0, 0))
    image.paste((30, 255), (10, 10, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    pixels = decode_image(buffer.getvalue()).pixels

    assert pixels.shape == (100, 100)
    assert (pixels[0, 0], pixels[15, 15]) == (255, 30)


def test_multi_page_tiff_is_refused_not_read_as_its_first_page() -> None:
    pages = [Image.new("L", (64, 64), value) for value in (255, 0, 128)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])

    with pytest.raises(ImageError, match="holds 3 pages"):
        decode_image(buffer.getvalue())
