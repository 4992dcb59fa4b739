"""Court-style pages with known text, rendered and roughened like real scans.

The station's corpus has a single Chinese page with ground truth, so OCR is measured
mostly on pages made here: the layout of a county court's enforcement ruling (court
name and title at 28 pt, a case number such as ``（2026）豫1330执1234号``, body text
with amounts and dates, a ruled table, a red seal printed over the signature lines and
an 8 pt footer), drawn with the Noto CJK fonts at 300 dpi and then blurred, tilted,
grained, given the show-through of a reverse side and JPEG-compressed.

Every name and number is a placeholder. The seal's own lettering is not part of the
expected text: a station should read the words under the seal, not the seal.

Used by ``tests/ocr`` and by ``scripts/eval_ocr.py`` and ``scripts/bench_ocr.py``;
nothing here reads files other than the system fonts.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SANS = FONT_DIR / "NotoSansCJK-Regular.ttc"
SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"
SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Bold.ttc"
SC_FACE = 2  # the Simplified Chinese face in the Noto CJK collections
A4_MM = (210.0, 297.0)
COURT = "河南省桐柏县人民法院"

BODY = (
    "申请执行人{a}与被执行人{b}{cause}一案，本院作出的{civil}民事判决书已经发生法律效力。",
    "因被执行人未按执行通知书指定的期间履行生效法律文书确定的义务，"
    "申请执行人于{date}向本院申请强制执行。",
    "本院依法冻结被执行人在{bank}开立的账户存款人民币{amount}元，"
    "并扣划至本院执行款专户。",
    "依照《中华人民共和国民事诉讼法》第二百五十二条、第二百五十三条之规定，裁定如下：",
    "一、冻结、划拨被执行人{b}的银行存款人民币{amount}元及迟延履行期间的债务利息。",
    "二、查封被执行人名下位于{addr}的房产一处，查封期限为三年，自{date2}起计算。",
    "本裁定送达后立即生效。如不服本裁定，可自裁定书送达之日起十日内向本院提出书面异议。",
    "联系电话0377-{phone}，电子邮箱 court{mail}@example.cn，咨询时间为工作日上午。",
    "被执行人应于本裁定送达之日起五日内履行完毕，逾期不履行的，本院将依法纳入失信名单。",
    "申请执行人提交的证据材料共{pages}页，包括借款合同、转账凭证及催收记录。",
)
POOLS: dict[str, tuple[str, ...]] = {
    "a": ("某某农村商业银行股份有限公司", "王某", "河南某某建材有限公司", "赵某某"),
    "b": ("张某某", "李某", "桐柏县某某商贸有限公司", "刘某某"),
    "cause": ("借款合同纠纷", "买卖合同纠纷", "民间借贷纠纷", "劳务合同纠纷"),
    "addr": ("桐柏县城关镇某某路18号", "南阳市某某区某某街8号", "桐柏县淮源镇某某村"),
    "bank": ("中国农业银行桐柏支行", "中国建设银行南阳分行", "中国邮政储蓄银行"),
}
TITLES = ("执行裁定书", "执行通知书", "财产报告令", "结案通知书")
FOOTER = (
    "本文书与原件核对无异。如对本文书有疑问，请携带身份证件到本院执行局咨询。",
    "本院地址：桐柏县城关镇某某大道66号，邮政编码474750。",
)


@dataclass(frozen=True)
class CourtPage:
    """One rendered page: the scan-like image and the text printed on it, in order."""

    name: str
    image: Image.Image
    dpi: int
    lines: tuple[str, ...]
    case_number: str
    numbers: tuple[str, ...]  # amounts, dates and phone numbers printed on the page

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def pt_to_px(points: float, dpi: int) -> int:
    return round(points / 72.0 * dpi)


def court_page(
    seed: int, dpi: int = 300, degrade: bool = True, serif: bool | None = None
) -> CourtPage:
    """Render the court page for ``seed``; the same seed gives the same page."""
    rng = random.Random(seed)
    values = _values(rng)
    width, height = (round(mm / 25.4 * dpi) for mm in A4_MM)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = round(25 / 25.4 * dpi)
    serif = rng.random() < 0.5 if serif is None else serif
    body_font = _font(SERIF if serif else SANS, pt_to_px(rng.choice((12, 14)), dpi))
    lines: list[str] = []

    y = margin
    for text in (COURT, rng.choice(TITLES)):
        y = _centred(draw, text, _font(SERIF_BOLD, pt_to_px(28, dpi)), y, width)
        lines.append(text)
    case = values["case"]
    draw.text((width - margin, y), case, font=body_font, fill=0, anchor="rt")
    lines.append(case)
    y += round(body_font.size * 2.0)

    for template in rng.sample(BODY, 6):
        y, wrapped = _paragraph(draw, template.format(**values), body_font, y, margin)
        lines.extend(wrapped)
    y, rows = _table(draw, values, body_font, y + body_font.size, margin, width, rng)
    lines.extend(rows)

    y += body_font.size * 2
    signature_top = y
    for text in ("审判长　某某某", "审判员　某某某", values["date2"], "书记员　某某某"):
        draw.text((width - margin, y), text, font=body_font, fill=0, anchor="rt")
        lines.append(text)
        y += round(body_font.size * 1.8)
    _seal(
        page,
        (width - margin - 4 * body_font.size, signature_top + body_font.size * 3),
        round(21 / 25.4 * dpi),
        rng,
    )

    small = _font(SANS, pt_to_px(8, dpi))
    y = max(y + small.size, height - margin - 3 * small.size)
    for text in FOOTER:
        draw.text((margin, y), text, font=small, fill=0)
        lines.append(text)
        y += round(small.size * 1.6)

    numbers = (values["amount"], values["date"], values["date2"], values["phone"])
    image = _roughen(page, dpi, rng) if degrade else page
    return CourtPage(f"court-{seed:03d}", image, dpi, tuple(lines), case, numbers)


def _values(rng: random.Random) -> dict[str, str]:
    values = {key: rng.choice(pool) for key, pool in POOLS.items()}
    year = rng.choice((2024, 2025, 2026))
    values["case"] = f"（{year}）豫1330执{rng.randint(1, 2999)}号"
    values["civil"] = f"（{year - 1}）豫1330民初{rng.randint(1, 4999)}号"
    values["amount"] = (
        f"{rng.randint(3, 900) * 1000 + rng.randint(0, 999)}.{rng.randint(0, 99):02d}"
    )
    values["date"] = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    values["date2"] = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    values["phone"] = f"{rng.randint(2000000, 8999999)}"
    values["mail"] = f"{rng.randint(10, 99)}"
    values["pages"] = f"{rng.randint(3, 120)}"
    return values


def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, index=SC_FACE)


def _centred(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont,
    y: int,
    width: int,
) -> int:
    draw.text((width // 2, y), text, font=font, fill=0, anchor="mt")
    return y + round(font.size * 1.6)


def _paragraph(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont,
    y: int,
    margin: int,
) -> tuple[int, list[str]]:
    """Wrap ``text`` at the right margin after a two-character indent."""
    limit = draw.im.size[0] - 2 * margin
    wrapped: list[str] = []
    line, x0 = "", margin + 2 * font.size
    for char in text:
        if draw.textlength(line + char, font=font) > limit - (x0 - margin):
            draw.text((x0, y), line, font=font, fill=0)
            wrapped.append(line)
            y += round(font.size * 1.7)
            line, x0 = "", margin
        line += char
    draw.text((x0, y), line, font=font, fill=0)
    wrapped.append(line)
    return y + round(font.size * 1.9), wrapped


def _table(
    draw: ImageDraw.ImageDraw,
    values: dict[str, str],
    font: ImageFont.FreeTypeFont,
    y: int,
    margin: int,
    width: int,
    rng: random.Random,
) -> tuple[int, list[str]]:
    """A ruled three-column table of payments; each row reads left to right."""
    rows = [("项目", "金额（元）", "日期")]
    for label in rng.sample(
        ("执行标的", "迟延履行利息", "案件受理费", "执行费", "保全费"), 3
    ):
        amount = f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        date = f"{rng.choice((2025, 2026))}-{month:02d}-{day:02d}"
        rows.append((label, amount, date))
    columns = (
        margin,
        margin + (width - 2 * margin) * 2 // 5,
        margin + (width - 2 * margin) * 7 // 10,
        width - margin,
    )
    row_h = round(font.size * 2.2)
    lines = []
    for row in rows:
        draw.rectangle((columns[0], y, columns[-1], y + row_h), outline=0, width=3)
        for x in columns[1:-1]:
            draw.line((x, y, x, y + row_h), fill=0, width=3)
        for left, cell in zip(columns, row, strict=False):
            draw.text(
                (left + font.size // 2, y + row_h // 2),
                cell,
                font=font,
                fill=0,
                anchor="lm",
            )
        lines.append(" ".join(row))
        y += row_h
    return y, lines


def _seal(
    page: Image.Image, centre: tuple[int, int], radius: int, rng: random.Random
) -> None:
    """Stamp a red court seal (ring, star, arched name) over the page, multiplied in."""
    size = radius * 2 + 8
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    c = size // 2
    ring = max(4, radius // 18)
    draw.ellipse(
        (c - radius, c - radius, c + radius, c + radius), outline=255, width=ring
    )
    star = []
    for k in range(10):
        r = radius * (0.3 if k % 2 == 0 else 0.12)
        angle = math.radians(-90 + k * 36)
        star.append((c + math.cos(angle) * r, c + math.sin(angle) * r))
    draw.polygon(star, fill=255)
    font = _font(SANS, round(radius * 0.22))
    text = COURT[3:] + "执行专用章"
    span = 230.0
    for k, char in enumerate(text):
        angle = math.radians(-90 - span / 2 + span * k / (len(text) - 1))
        x = c + math.cos(angle) * radius * 0.72
        y = c + math.sin(angle) * radius * 0.72
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text(
            (font.size, font.size), char, font=font, fill=255, anchor="mm"
        )
        glyph = glyph.rotate(
            -math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC
        )
        layer.paste(255, (round(x) - font.size, round(y) - font.size), glyph)
    layer = layer.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BICUBIC)
    ink = (
        np.asarray(layer, dtype=np.float32)[..., None] / 255.0 * rng.uniform(0.75, 0.95)
    )
    red = np.array([214.0, 30.0, 38.0]) / 255.0
    x0, y0 = centre[0] - c, centre[1] - c
    region = np.asarray(page.crop((x0, y0, x0 + size, y0 + size)), dtype=np.float32)
    stamped = region * (1 - ink + ink * red)  # ink multiplies: text under it stays dark
    page.paste(Image.fromarray(stamped.astype(np.uint8)), (x0, y0))


def _roughen(page: Image.Image, dpi: int, rng: random.Random) -> Image.Image:
    """Make a clean rendering look scanned: show-through, tilt, blur, grain, JPEG."""
    pixels = np.asarray(page, dtype=np.float32)
    ghost = np.asarray(
        page.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        .convert("L")
        .filter(ImageFilter.GaussianBlur(dpi / 150)),
        dtype=np.float32,
    )
    pixels = pixels - (255 - ghost)[..., None] * rng.uniform(0.06, 0.12)
    paper = np.array(
        [rng.uniform(236, 250), rng.uniform(234, 248), rng.uniform(226, 242)]
    )
    pixels = pixels / 255.0 * paper
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.rotate(
        rng.uniform(-0.8, 0.8),
        resample=Image.Resampling.BILINEAR,
        fillcolor=tuple(int(v) for v in paper),
    )
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0) * dpi / 300))
    grain = np.random.default_rng(rng.randrange(2**32)).normal(
        0, rng.uniform(4, 9), (image.height, image.width, 1)
    )
    pixels = np.clip(np.asarray(image, dtype=np.float32) + grain, 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=rng.randint(60, 85), dpi=(dpi, dpi))
    out.seek(0)
    return Image.open(out).convert("RGB")


def small_print_page(dpi: int = 200, seed: int = 0) -> CourtPage:
    """An 8 pt paragraph scanned at a low resolution (glyphs about 20 px tall)."""
    rng = random.Random(seed)
    values = _values(rng)
    width, height = round(A4_MM[0] / 25.4 * dpi), round(80 / 25.4 * dpi)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = round(20 / 25.4 * dpi)
    font = _font(SANS, pt_to_px(8, dpi))
    lines: list[str] = []
    y = margin // 2
    for template in BODY[:3]:
        y, wrapped = _paragraph(draw, template.format(**values), font, y, margin)
        lines.extend(wrapped)
    image = _roughen(page, dpi, rng)
    return CourtPage(f"small8pt-{dpi}", image, dpi, tuple(lines), "", ())


def heading_page(dpi: int = 300) -> CourtPage:
    """A twelve-character heading at 28 pt on a short strip of paper."""
    text = "河南省桐柏县人民法院执行局"[:12]
    width, height = round(A4_MM[0] / 25.4 * dpi), round(40 / 25.4 * dpi)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    draw.text(
        (width // 2, height // 2),
        text,
        font=_font(SERIF_BOLD, pt_to_px(28, dpi)),
        fill=0,
        anchor="mm",
    )
    image = _roughen(page, dpi, random.Random(1))
    return CourtPage("heading28pt", image, dpi, (text,), "", ())


def text_strip(
    lines: tuple[str, ...],
    size_pt: float = 12,
    dpi: int = 300,
    serif: bool = True,
    seal_over: int | None = None,
    seed: int = 0,
) -> CourtPage:
    """A strip of paper with ``lines`` printed left-aligned, scanned roughly.

    ``seal_over`` stamps the red seal over that line, as over a signature date.
    """
    font = _font(SERIF if serif else SANS, pt_to_px(size_pt, dpi))
    step = round(font.size * 1.8)
    width = round(A4_MM[0] / 25.4 * dpi)
    margin = round(15 / 25.4 * dpi)
    page = Image.new("RGB", (width, 2 * margin + step * len(lines)), "white")
    draw = ImageDraw.Draw(page)
    for k, text in enumerate(lines):
        draw.text((margin, margin + k * step), text, font=font, fill=0)
    rng = random.Random(seed)
    if seal_over is not None:
        y = margin + seal_over * step + font.size // 2
        _seal(page, (margin + 3 * font.size, y), round(step * 1.3), rng)
    image = _roughen(page, dpi, rng)
    return CourtPage(f"strip-{seed}", image, dpi, lines, "", ())
