"""Pages for the preprocess tests: real scans from the fixtures, and drawn ones.

Drawn pages are court-style A4 sheets rendered with the Noto Sans CJK font that the
station's image installs, with known content placed at known positions, so that a
test can say exactly which words must survive a crop. Fixture pages and text pages
are cached and returned read-only: tests must copy before drawing on one.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "preprocess"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SC = 2  # index of Noto Sans CJK SC in the collection

PAPER = 245
A4_MM = (210.0, 297.0)

SENTENCES = (
    "本院于二〇二六年三月十日立案受理后，依法适用简易程序公开开庭进行了审理。",
    "原告诉称，被告向其借款人民币五万元，约定于同年年底前归还，至今未还。",
    "被告辩称，借款已于去年十月通过银行转账归还，请求驳回原告的诉讼请求。",
    "经审理查明，双方于二〇二五年六月签订借款合同一份，载明借款金额及期限。",
    "本院认为，合法的借贷关系受法律保护，债务应当清偿，逾期应承担违约责任。",
    "依照《中华人民共和国民法典》第六百七十五条之规定，判决如下：",
    "案件受理费五百元，减半收取计二百五十元，由被告负担，于判决生效后交纳。",
    "如不服本判决，可在判决书送达之日起十五日内向本院递交上诉状及副本。",
)


def px(mm: float, dpi: float) -> int:
    return round(mm * dpi / 25.4)


def corpus_page(name: str, mode: str = "L") -> np.ndarray:
    """Load a fixture page as grey (``"L"``) or RGB (``"RGB"``) uint8."""
    return _load(name, mode)


@functools.lru_cache(maxsize=32)
def _load(name: str, mode: str) -> np.ndarray:
    with Image.open(FIXTURES / name) as image:
        pixels = np.asarray(image.convert(mode)).copy()
    pixels.setflags(write=False)
    return pixels


def font(size_pt: float, dpi: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, round(size_pt * dpi / 72), index=FONT_SC)


def blank(
    dpi: float, paper: int = PAPER, mm: tuple[float, float] = A4_MM
) -> Image.Image:
    return Image.new("L", (px(mm[0], dpi), px(mm[1], dpi)), paper)


def frozen(pixels: np.ndarray) -> np.ndarray:
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    return pixels


def add_noise(pixels: np.ndarray, sigma: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(pixels.shape, dtype=np.float32)
    noise *= sigma
    noise += pixels
    return np.clip(noise, 0, 255, out=noise).astype(np.uint8)


def rotate(pixels: np.ndarray, angle_deg: float, fill: int | tuple[int, ...] = PAPER):
    """Turn a page counter-clockwise by ``angle_deg`` as OpenCV defines it."""
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle_deg, 1)
    border = fill if isinstance(fill, tuple) else (fill,) * 3
    return cv2.warpAffine(
        pixels, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=border
    )


@functools.lru_cache(maxsize=8)
def text_page(
    dpi: float = 300.0, columns: int = 1, size_pt: float = 12.0
) -> np.ndarray:
    """A judgment page: lines of 12 pt Chinese text in one or two columns."""
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    face = font(size_pt, dpi)
    left, top = px(25, dpi), px(30, dpi)
    gap = px(6, dpi)
    column_mm = (160.0 - 6.0 * (columns - 1)) / columns
    chars = int(column_mm / (size_pt * 0.3528))
    text = itertools.cycle("".join(SENTENCES))
    pitch = round(size_pt * dpi / 72 * 1.7)
    for column in range(columns):
        x = left + column * (px(column_mm, dpi) + gap)
        for y in range(top, px(297 - 30, dpi), pitch):
            line = "".join(next(text) for _ in range(chars))
            draw.text((x, y), line, font=face, fill=25)
    return frozen(add_noise(np.asarray(image), 2.0))


def words_page(dpi: float, words: tuple[str, ...], size_pt: float = 14.0):
    """A white page with one line of words at mid-height.

    Returns the page and the bounding box ``[x0, y0, x1, y1]`` of each word.
    """
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    face = font(size_pt, dpi)
    x, y = px(60, dpi), px(148, dpi)
    boxes = []
    for word in words:
        box = draw.textbbox((x, y), word, font=face)
        draw.text((x, y), word, font=face, fill=25)
        boxes.append(box)
        x = box[2] + px(8, dpi)
    return np.asarray(image).copy(), boxes


def framed(pixels: np.ndarray, dpi: float, width_mm: float, level: int = 15):
    """Paint a dark frame ``width_mm`` wide along all four edges."""
    out = pixels.copy()
    w = px(width_mm, dpi)
    out[:w], out[-w:], out[:, :w], out[:, -w:] = level, level, level, level
    return out


def toc_page(dpi: float = 300.0):
    """A table of contents: entries on the left, page numbers 5 cm to their right.

    Returns the page and the box ``[x0, y0, x1, y1]`` around the number column.
    """
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    face = font(12, dpi)
    entries = ("起诉状", "证据目录", "送达回证", "庭审笔录", "判决书", "上诉状")
    left, right = px(25, dpi), px(25 + 60 + 50, dpi)
    boxes = []
    for i, entry in enumerate(entries):
        y = px(40 + 12 * i, dpi)
        draw.text((left, y), entry, font=face, fill=25)
        number = str(3 + 7 * i)
        box = draw.textbbox((0, 0), number, font=face)
        x = right - (box[2] - box[0])
        draw.text((x, y), number, font=face, fill=25)
        boxes.append(draw.textbbox((x, y), number, font=face))
    column = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return np.asarray(image).copy(), column


def page_number_page(dpi: float = 300.0) -> np.ndarray:
    """C01a: white A4 with only a small page number at the bottom centre."""
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    face = font(10, dpi)
    draw.text((image.width // 2, px(297 - 15, dpi)), "- 7 -", font=face, fill=30)
    return add_noise(np.asarray(image), 2.0)


def pencil_signature_page(dpi: float = 300.0) -> np.ndarray:
    """C01b: white A4 with only a faint pencil signature (grey 200) lower right."""
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    x0, y0 = px(140, dpi), px(250, dpi)
    t = np.linspace(0, 1, 400)
    xs = x0 + px(45, dpi) * t
    ys = y0 + px(4, dpi) * np.sin(t * 9 * np.pi) + px(3, dpi) * np.sin(t * 23 * np.pi)
    draw.line(
        list(zip(xs.tolist(), ys.tolist(), strict=True)),
        fill=200,
        width=max(2, px(0.35, dpi)),
    )
    return add_noise(np.asarray(image), 2.0)


def handwritten_line_page(dpi: float = 300.0) -> np.ndarray:
    """An RGB white page with one line of blue ballpoint handwriting, mid-page."""
    image = Image.new("RGB", (px(210, dpi), px(297, dpi)), (PAPER, PAPER, 240))
    draw = ImageDraw.Draw(image)
    t = np.linspace(0, 1, 900)
    xs = px(40, dpi) + px(110, dpi) * t + px(2.5, dpi) * np.cos(t * 60 * np.pi)
    ys = px(150, dpi) + px(2.5, dpi) * np.sin(t * 60 * np.pi) * np.sin(t * 7 * np.pi)
    points = list(zip(xs.tolist(), ys.tolist(), strict=True))
    draw.line(points, fill=(40, 60, 160), width=max(2, px(0.4, dpi)))
    return np.asarray(image).copy()


def punched_page(dpi: float = 300.0) -> np.ndarray:
    """C01c: white A4 with two punch holes and a staple shadow in the margin."""
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    r = px(3, dpi)
    for y_mm in (148.5 - 40, 148.5 + 40):
        cx, cy = px(12, dpi), px(y_mm, dpi)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=40)
    a, b = (px(14, dpi), px(24, dpi)), (px(24, dpi), px(14, dpi))
    draw.line((a, b), fill=90, width=px(0.8, dpi))
    return add_noise(np.asarray(image), 2.0)


def recycled_page(dpi: float = 300.0, seed: int = 4) -> np.ndarray:
    """C01d: recycled paper, grey-beige with salt-and-pepper grain and fibre flecks."""
    rng = np.random.default_rng(seed)
    size = (px(297, dpi), px(210, dpi))
    paper = 232 + 6 * rng.standard_normal(size, dtype=np.float32)
    flecks = rng.random(size, dtype=np.float32)
    paper[flecks < 0.002] -= rng.uniform(60, 140, np.count_nonzero(flecks < 0.002))
    paper[flecks > 0.998] = 255
    image = np.clip(paper, 0, 255).astype(np.uint8)
    for _ in range(300):
        x, y = int(rng.integers(0, size[1])), int(rng.integers(0, size[0]))
        length = int(rng.integers(2, px(0.8, dpi)))
        angle = rng.uniform(0, np.pi)
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        cv2.line(image, (x, y), end, int(rng.integers(120, 190)), 1)
    return image


def show_through_page(dpi: float, contrast: float) -> np.ndarray:
    """C02: the blank back of a sheet showing the front's text, mirrored and blurred.

    The ghost is at most ``contrast`` darker than the paper.
    """
    front = np.asarray(text_page(300.0), dtype=np.float32)
    if dpi != 300.0:
        size = (px(210, dpi), px(297, dpi))
        front = cv2.resize(front, size, interpolation=cv2.INTER_AREA)
    ink = np.clip((PAPER - front) / (PAPER - 25), 0, 1)[:, ::-1]
    ink = cv2.GaussianBlur(ink, (0, 0), dpi / 200)
    ghost = PAPER * (1 - contrast * ink / max(float(ink.max()), 1e-6))
    return add_noise(ghost.astype(np.uint8), 2.0, seed=7)


def specks_page(dpi: float = 300.0, seed: int = 6) -> np.ndarray:
    """C03 page 6: white with a few dust specks."""
    rng = np.random.default_rng(seed)
    image = np.asarray(blank(dpi)).copy()
    for _ in range(12):
        x, y = int(rng.integers(50, image.shape[1] - 50)), int(rng.integers(50, 3000))
        cv2.circle(
            image, (x, y), int(rng.integers(1, 4)), int(rng.integers(20, 120)), -1
        )
    return add_noise(image, 2.0)


def seal_page(dpi: float = 300.0) -> np.ndarray:
    """An RGB white page carrying only a red court seal (ring, star, arc of text)."""
    image = Image.new("RGB", (px(210, dpi), px(297, dpi)), (PAPER, PAPER, 242))
    draw = ImageDraw.Draw(image)
    red = (215, 60, 55)
    cx, cy, r = px(150, dpi), px(230, dpi), px(21, dpi)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=px(1.2, dpi))
    star = [
        (
            cx + px(6 if i % 2 == 0 else 2.4, dpi) * np.sin(i * np.pi / 5),
            cy - px(6 if i % 2 == 0 else 2.4, dpi) * np.cos(i * np.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=red)
    face = font(9, dpi)
    for i, char in enumerate("某某县人民法院"):
        angle = np.pi * (-0.75 + 0.25 * i)
        x = cx + 0.72 * r * np.sin(angle) - px(1.5, dpi)
        y = cy - 0.72 * r * np.cos(angle) - px(2, dpi)
        draw.text((x, y), char, font=face, fill=red)
    return np.asarray(image).copy()


def small_seal_in_margin_page(dpi: float = 300.0) -> np.ndarray:
    """An RGB white page with only a solid red seal 8 mm across in the left margin."""
    image = Image.new("RGB", (px(210, dpi), px(297, dpi)), (PAPER, PAPER, 242))
    draw = ImageDraw.Draw(image)
    cx, cy, r = px(14, dpi), px(150, dpi), px(4, dpi)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 45, 45))
    face = font(8, dpi)
    draw.text((cx - px(1.4, dpi), cy - px(1.8, dpi)), "印", font=face, fill=PAPER)
    return np.asarray(image).copy()


def tilted_blank_in_border(dpi: float = 300.0, angle_deg: float = 0.5) -> np.ndarray:
    """C07: blank paper tilted inside a grey scanner border, no text."""
    height, width = px(310, dpi), px(222, dpi)
    scan = np.full((height, width), 150, np.uint8)
    paper = np.full((px(297, dpi), px(210, dpi)), PAPER, np.uint8)
    y0, x0 = (height - paper.shape[0]) // 2, (width - paper.shape[1]) // 2
    scan[y0 : y0 + paper.shape[0], x0 : x0 + paper.shape[1]] = paper
    return add_noise(rotate(scan, angle_deg, fill=150), 2.0)


def lying_frame_page(dpi: float = 300.0, angle_deg: float = 2.0) -> np.ndarray:
    """C08: a ruled table turned inside a straight page frame, beside a barcode."""
    image = blank(dpi)
    draw = ImageDraw.Draw(image)
    m = px(10, dpi)
    draw.rectangle(
        (m, m, image.width - m, image.height - m), outline=20, width=px(1, dpi)
    )
    x = px(30, dpi)
    rng = np.random.default_rng(8)
    while x < px(120, dpi):
        bar = int(rng.integers(1, 4)) * px(0.4, dpi)
        draw.rectangle((x, px(255, dpi), x + bar, px(275, dpi)), fill=20)
        x += bar + int(rng.integers(1, 4)) * px(0.4, dpi)

    table = blank(dpi, mm=(170, 150))
    tdraw = ImageDraw.Draw(table)
    face = font(11, dpi)
    rows, cols = 8, 3
    cell_w, cell_h = table.width // cols, table.height // rows
    text = itertools.cycle("".join(SENTENCES))
    for r in range(rows + 1):
        tdraw.line((0, r * cell_h, table.width, r * cell_h), fill=20, width=3)
    for c in range(cols + 1):
        tdraw.line((c * cell_w, 0, c * cell_w, table.height), fill=20, width=3)
    for r in range(rows):
        for c in range(cols):
            cell = "".join(next(text) for _ in range(8))
            tdraw.text(
                (c * cell_w + px(3, dpi), r * cell_h + px(5, dpi)),
                cell,
                font=face,
                fill=25,
            )
    turned = rotate(np.asarray(table), angle_deg)
    out = np.asarray(image).copy()
    y0, x0 = px(40, dpi), px(20, dpi)
    region = out[y0 : y0 + turned.shape[0], x0 : x0 + turned.shape[1]]
    np.minimum(region, turned, out=region)
    return add_noise(out, 2.0)
