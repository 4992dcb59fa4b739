"""Train the page-orientation network and write ``orientation.tflite``.

Usage::

    .venv/bin/python scripts/train_orientation.py \\
        [--corpus /work/shared/corpus] [--pages 1200] [--epochs 5] [--seed 20261204]

Needs TensorFlow (``tensorflow-cpu==2.21.0``), which is a training-only tool: the
station itself runs the result with ``ai-edge-litert``. The run takes about 11
minutes on two cores and writes ``station/preprocess/models/orientation.tflite``.
Every random choice follows ``--seed``; TensorFlow's multi-threaded kernels still
add rounding differences, so a second run gives a close but not bit-identical
model.

Training pages are drawn here with Pillow: court-style Simplified Chinese
(judgements, notices), English prose, mixed Chinese and English with numbers and
dates, ruled tables and forms, book covers and pages with pictures, slips of a
few small lines on an empty sheet, Chinese set in vertical columns, in Noto
Sans/Serif CJK, Droid Sans Fallback and DejaVu at 6-60 pt and 150-300 dpi, then
degraded like scans (skew, blur, noise, bilevel thresholding, JPEG, thin or heavy
strokes, grey paper, specks). The English text is the licence texts in
``/usr/share/common-licenses``; the Chinese is built
from the sentences and the character pool below. With ``--corpus``, real scans from
the document groups in ``TRAIN_GROUPS`` are added: French and Dutch pages only, so
that every Chinese and English page of the corpus stays unseen for the evaluation.

Windows are cut by the same code the station runs (``cut_patches``) from upright
pages, and each window is given in its four quarter turns, labelled by the
clockwise turn applied.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station.preprocess._orientation import (  # noqa: E402
    GLYPH_PX,
    PATCH_PX,
    cut_patches,
)

MODEL_PATH = ROOT / "station" / "preprocess" / "models" / "orientation.tflite"

#: Real scans used for training: Latin-script pages in languages the evaluation
#: does not test. Their groups are never evaluated.
TRAIN_GROUPS = ("G_plf_cb2", "G_plf_fold", "G_stp_bike", "G_typewriter")

NOTO = "/usr/share/fonts/opentype/noto/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
#: (file, index in the collection); index 2 is the Simplified Chinese face.
ZH_FONTS = (
    (NOTO + "NotoSansCJK-Regular.ttc", 2),
    (NOTO + "NotoSerifCJK-Regular.ttc", 2),
    (NOTO + "NotoSerifCJK-Regular.ttc", 2),
    (NOTO + "NotoSansCJK-Bold.ttc", 2),
    (NOTO + "NotoSerifCJK-Bold.ttc", 2),
    (NOTO + "NotoSansCJK-Regular.ttc", 7),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
EN_FONTS = (
    (DEJAVU + "DejaVuSans.ttf", 0),
    (DEJAVU + "DejaVuSerif.ttf", 0),
    (DEJAVU + "DejaVuSerif.ttf", 0),
    (DEJAVU + "DejaVuSansMono.ttf", 0),
    (DEJAVU + "DejaVuSansCondensed.ttf", 0),
    (DEJAVU + "DejaVuSerifCondensed.ttf", 0),
    (DEJAVU + "DejaVuSans-Bold.ttf", 0),
    (DEJAVU + "DejaVuSerif-Italic.ttf", 0),
    (NOTO + "NotoSansCJK-Regular.ttc", 2),
    (NOTO + "NotoSerifCJK-Regular.ttc", 2),
)

ZH_SENTENCES = (
    "原告与被告民间借贷纠纷一案，本院立案后依法适用普通程序公开开庭进行了审理。",
    "原告向本院提出诉讼请求：判令被告偿还借款本金及利息，本案诉讼费用由被告承担。",
    "事实和理由：被告因经营需要向原告借款，并出具借条一份，约定按月支付利息。",
    "被告经本院传票传唤无正当理由拒不到庭参加诉讼，本院依法缺席审理。",
    "当事人围绕诉讼请求依法提交了证据，本院组织当事人进行了证据交换和质证。",
    "对当事人无异议的证据，本院予以确认并在卷佐证。",
    "根据当事人陈述和经审查确认的证据，本院认定事实如下：",
    "本院认为，当事人应当按照约定全面履行自己的义务。",
    "依照《中华人民共和国民事诉讼法》第一百四十七条之规定，判决如下：",
    "如果未按本判决指定的期间履行给付金钱义务，应当依法加倍支付迟延履行期间的债务利息。",
    "如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状。",
    "申请人不服行政复议决定，于法定期限内向本院提起行政诉讼。",
    "经调解，双方当事人自愿达成如下协议，本院予以确认。",
    "上述协议符合有关法律规定，双方当事人在调解书上签名后即具有法律效力。",
    "执行过程中，被执行人未按执行通知书履行法律文书确定的义务。",
    "本院查询了被执行人名下的银行存款、车辆、不动产及网络资金等财产情况。",
    "公诉机关指控，被告人于案发当日在某村某路段驾驶机动车发生交通事故。",
    "被告人到案后如实供述自己的罪行，可以从轻处罚。",
    "送达地址确认书、举证通知书、开庭传票等诉讼文书已依法送达。",
    "本案现已审理终结。",
    "审判长、审判员、书记员、法官助理、人民陪审员",
    "附：本判决适用的法律条文",
    "合同约定的还款期限届满后，被告仅归还部分款项，余款经多次催要未果。",
    "关于利息的计算标准，双方未作约定的，视为没有利息。",
    "鉴于被告已经部分履行，本院对原告主张的违约金酌情予以调整。",
    "原审判决认定事实清楚，适用法律正确，应予维持。",
    "本裁定为终审裁定。",
    "特此通知。",
    "联系电话、通讯地址、邮政编码、电子邮箱",
    "案件受理费、保全费、鉴定费、公告费由败诉方负担。",
)

#: Common characters, for sentences that no template holds.
ZH_POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主"
    "发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力"
    "里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由"
    "其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么"
    "利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直"
    "题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山"
    "统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
    "队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什"
    "认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走"
    "积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需"
    "段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周"
    "委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族"
    "维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆"
    "包火住调满县局照参红细引听该铁价严首底液官德随病苏失尔死讲配女黄推显谈罪神"
    "艺呢席含企望密批营项防举球英氧势告李台落木帮轮破亚师围注远字材排供河态封另"
    "施减树溶怎止案言士均武固叶鱼波视仅费紧爱左章早朝害续轻服试食充兵源判护司足"
    "某程序审判裁定诉讼请求被告原告当事人代理律师证据事实理由规定赔偿损失借款合同"
)

ZH_PUNCT = "，，，，。。、；："
CASE_PROVINCES = "冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青"
CASE_KINDS = ("民初", "民终", "刑初", "行初", "执", "执保", "民特", "财保")
TITLES = (
    "民事判决书",
    "民事裁定书",
    "刑事判决书",
    "行政判决书",
    "民事调解书",
    "执行裁定书",
    "传票",
    "受理案件通知书",
    "举证通知书",
    "送达回证",
    "开庭公告",
)
CN_DIGITS = "〇一二三四五六七八九"


def en_words() -> list[str]:
    """Return the words of the licence texts shipped with Debian, in order."""
    words: list[str] = []
    for path in sorted(Path("/usr/share/common-licenses").iterdir()):
        if path.is_file():
            words += path.read_text(errors="replace").split()
    return words or ["The", "quick", "brown", "fox", "jumps", "over", "the", "dog."]


class Text:
    """Supplies the words and sentences a page is written with."""

    def __init__(
        self, rng: np.random.Generator, sentences: Sequence[str], words: Sequence[str]
    ) -> None:
        self.rng = rng
        self.sentences = sentences
        self.words = words

    def zh(self, chars: int) -> str:
        out = ""
        while len(out) < chars:
            if self.rng.random() < 0.6:
                out += self.sentences[self.rng.integers(len(self.sentences))]
            else:
                out += self._random_zh()
        return out[:chars]

    def _random_zh(self) -> str:
        n = int(self.rng.integers(6, 24))
        picks = self.rng.integers(0, len(ZH_POOL), n)
        body = "".join(ZH_POOL[i] for i in picks)
        return body + ZH_PUNCT[self.rng.integers(len(ZH_PUNCT))]

    def en(self, count: int) -> str:
        start = int(self.rng.integers(0, max(1, len(self.words) - count)))
        return " ".join(self.words[start : start + count])

    def mixed(self, chars: int) -> str:
        out = ""
        while len(out) < chars:
            roll = self.rng.random()
            if roll < 0.55:
                out += self.zh(int(self.rng.integers(4, 16)))
            elif roll < 0.8:
                out += " " + self.en(int(self.rng.integers(1, 4))) + " "
            else:
                out += " " + self.number() + " "
        return out[:chars]

    def number(self) -> str:
        kind = self.rng.integers(4)
        if kind == 0:
            year = self.rng.integers(2015, 2027)
            month, day = self.rng.integers(1, 13), self.rng.integers(1, 29)
            return f"{year}年{month}月{day}日"
        if kind == 1:
            return f"{self.rng.integers(100, 99999)}.{self.rng.integers(0, 99):02d}元"
        if kind == 2:
            return str(self.rng.integers(10**9, 10**11))
        return f"第{self.rng.integers(1, 1300)}条"

    def case_number(self) -> str:
        year = self.rng.integers(2015, 2027)
        prov = CASE_PROVINCES[self.rng.integers(len(CASE_PROVINCES))]
        code = self.rng.integers(100, 9999)
        kind = CASE_KINDS[self.rng.integers(len(CASE_KINDS))]
        return f"（{year}）{prov}{code:04d}{kind}{self.rng.integers(1, 3000)}号"

    def cn_date(self) -> str:
        year = "".join(CN_DIGITS[int(d)] for d in str(self.rng.integers(2015, 2027)))
        months = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一")
        month = months[self.rng.integers(len(months))]
        return f"{year}年{month}月{CN_DIGITS[self.rng.integers(1, 10)]}日"


class Page:
    """A sheet being written on, top to bottom, with a cursor."""

    def __init__(self, rng: np.random.Generator, dpi: float, landscape: bool) -> None:
        self.rng = rng
        self.dpi = dpi
        width_mm, height_mm = (297, 210) if landscape else (210, 297)
        self.paper = int(rng.integers(215, 256))
        self.ink = int(rng.integers(0, 80))
        self.image = Image.new("L", (self.px(width_mm), self.px(height_mm)), self.paper)
        self.draw = ImageDraw.Draw(self.image)
        self.left = self.px(rng.uniform(12, 32))
        self.right = self.image.width - self.px(rng.uniform(12, 32))
        self.y = self.px(rng.uniform(12, 40))
        self.bottom = self.image.height - self.px(rng.uniform(12, 30))

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def font(
        self, fonts: Sequence[tuple[str, int]], pt: float
    ) -> ImageFont.FreeTypeFont:
        path, index = fonts[self.rng.integers(len(fonts))]
        return ImageFont.truetype(path, max(6, round(pt * self.dpi / 72)), index=index)

    @property
    def full(self) -> bool:
        return self.y >= self.bottom

    def line(
        self, text: str, font: ImageFont.FreeTypeFont, x: int, spacing: float
    ) -> None:
        self.draw.text((x, self.y), text, fill=self.ink, font=font)
        self.y += round(font.size * spacing)

    def paragraph(
        self, text: str, font: ImageFont.FreeTypeFont, spacing: float, indent: int
    ) -> None:
        """Write text wrapped at the right margin, by characters or by words."""
        by_word = " " in text and not re.search(r"[\u4e00-\u9fff]", text)
        tokens = text.split(" ") if by_word else list(text)
        joiner = " " if by_word else ""
        line, x = "", self.left + indent
        for token in tokens:
            candidate = line + joiner + token if line else token
            if font.getlength(candidate) > self.right - x and line:
                self.line(line, font, x, spacing)
                if self.full:
                    return
                line, x = token, self.left
            else:
                line = candidate
        if line and not self.full:
            self.line(line, font, x, spacing)

    def centred(self, text: str, font: ImageFont.FreeTypeFont, spacing: float) -> None:
        x = (self.left + self.right - round(font.getlength(text))) // 2
        self.line(text, font, max(self.left, x), spacing)

    def right_aligned(self, text: str, font: ImageFont.FreeTypeFont) -> None:
        x = self.right - round(font.getlength(text))
        self.line(text, font, max(self.left, x), 1.6)

    def table(self, text: Text, fonts: Sequence[tuple[str, int]], pt: float) -> None:
        """Draw a ruled table with short Chinese, English and numeric cells."""
        font = self.font(fonts, pt)
        cols = int(self.rng.integers(2, 6))
        rows = int(self.rng.integers(2, 9))
        row_h = round(font.size * self.rng.uniform(1.6, 2.4))
        widths = self.rng.dirichlet(np.ones(cols)) * 0.5 + 0.5 / cols
        edges = self.left + np.cumsum(np.r_[0, widths]) * (self.right - self.left)
        top = self.y
        for _ in range(rows):
            if self.y + row_h > self.bottom:
                break
            for c in range(cols):
                cell_w = int(edges[c + 1] - edges[c]) - font.size
                cell = self._cell(text, font, cell_w, latin=fonts is EN_FONTS)
                self.draw.text(
                    (int(edges[c]) + font.size // 3, self.y + row_h // 5),
                    cell,
                    fill=self.ink,
                    font=font,
                )
            self.y += row_h
        width = max(1, self.px(0.25))
        for y in range(top, self.y + 1, row_h):
            self.draw.line(
                [(self.left, y), (self.right, y)], fill=self.ink, width=width
            )
        for x in edges:
            self.draw.line(
                [(int(x), top), (int(x), self.y)], fill=self.ink, width=width
            )
        self.y += row_h

    def _cell(
        self, text: Text, font: ImageFont.FreeTypeFont, width: int, latin: bool
    ) -> str:
        roll = self.rng.random()
        if roll < 0.45 and not latin:
            cell = text.zh(int(self.rng.integers(2, 10)))
        elif roll < 0.75:
            cell = text.en(int(self.rng.integers(1, 3)))
        else:
            cell = text.number()
        while cell and font.getlength(cell) > width:
            cell = cell[:-1]
        return cell

    def drawing(self, top: int, bottom: int) -> None:
        """Draw a picture of curves, shapes, dots and hatching between two heights.

        Pictures, dotted fills and ornaments have no upright side a window could
        tell; seen in all four turns with four labels, they teach the network to
        give even odds instead of a confident guess.
        """
        rng = self.rng
        left, right = self.left, max(self.left + 2, self.right)
        bottom = max(top + 2, bottom)
        for _ in range(int(rng.integers(4, 16))):
            grey = int(rng.integers(0, 200))
            kind = rng.integers(5)
            x, y = int(rng.integers(left, right)), int(rng.integers(top, bottom))
            size = self.px(rng.uniform(3, 60))
            if kind == 0:
                steps = rng.normal(0, size / 6, (int(rng.integers(4, 30)), 2))
                points = [tuple(p) for p in np.add(np.cumsum(steps, axis=0), (x, y))]
                self.draw.line(points, fill=grey, width=int(rng.integers(1, 6)))
            elif kind == 1:
                box = [x, y, x + size, y + int(size * rng.uniform(0.3, 1.5))]
                filled = rng.random() < 0.4
                self.draw.ellipse(
                    box, outline=grey, fill=grey if filled else None, width=2
                )
            elif kind == 2:
                radius = max(1, self.px(rng.uniform(0.3, 1.5)))
                for _ in range(int(rng.integers(10, 120))):
                    cx = x + int(rng.normal(0, size))
                    cy = y + int(rng.normal(0, size))
                    self.draw.ellipse(
                        [cx - radius, cy - radius, cx + radius, cy + radius], fill=grey
                    )
            elif kind == 3:
                gap = max(2, self.px(rng.uniform(0.5, 2.5)))
                slope = rng.uniform(-1.5, 1.5)
                for offset in range(0, size, gap):
                    self.draw.line(
                        [(x + offset, y), (x + offset + slope * size, y + size)],
                        fill=grey,
                    )
            else:
                corners = rng.normal(0, size / 2, (int(rng.integers(3, 7)), 2))
                self.draw.polygon(
                    [tuple(p) for p in np.add(corners, (x, y))], fill=grey
                )

    def seal(self) -> None:
        """Draw a court seal's ring and star, grey as a red seal scans."""
        radius = self.px(self.rng.uniform(18, 22))
        cx = int(
            self.rng.integers(
                self.left + radius, max(self.left + radius + 1, self.right - radius)
            )
        )
        cy = int(self.rng.integers(radius, self.image.height - radius))
        grey = int(self.rng.integers(90, 170))
        box = [cx - radius, cy - radius, cx + radius, cy + radius]
        self.draw.ellipse(box, outline=grey, width=max(2, self.px(1.0)))
        star = radius // 3
        points = [
            (
                cx + star * np.sin(k * 4 * np.pi / 5),
                cy - star * np.cos(k * 4 * np.pi / 5),
            )
            for k in range(5)
        ]
        self.draw.polygon(points, fill=grey)


def render_page(
    rng: np.random.Generator, text: Text, kind: str = ""
) -> tuple[np.ndarray, float]:
    """Draw one upright page of the given kind (random when empty)."""
    kinds = (
        *("zh", "zh", "zh", "en", "en", "mixed", "table", "form", "cover", "note"),
        "vertical",
    )
    kind = kind or kinds[rng.integers(len(kinds))]
    dpi = float(rng.choice([150, 200, 240, 300]))
    page = Page(rng, dpi, landscape=rng.random() < 0.12)
    writers = {
        "zh": _write_judgement,
        "en": _write_english,
        "mixed": _write_mixed,
        "table": _write_tables,
        "form": _write_form,
        "cover": _write_cover,
        "note": _write_note,
        "vertical": _write_vertical,
    }
    if kind not in ("cover", "note", "vertical") and rng.random() < 0.2:
        height = page.px(rng.uniform(30, 120))
        page.drawing(page.y, page.y + height)
        page.y += height
    writers[kind](page, text)
    if rng.random() < 0.25:
        page.seal()
    return np.asarray(page.image), dpi


def _write_cover(page: Page, text: Text) -> None:
    """A book cover or title page: shaded paper, a picture, a few big words."""
    rng = page.rng
    shade = np.linspace(0, rng.uniform(-120, 40), page.image.height)[:, np.newaxis]
    background = np.clip(page.paper + shade + np.zeros(page.image.size[::-1]), 0, 255)
    page.image.paste(Image.fromarray(background.astype(np.uint8)))
    page.draw = ImageDraw.Draw(page.image)
    page.drawing(0, page.image.height)
    bold = [f for f in ZH_FONTS if "Bold" in f[0]]
    page.y = page.px(rng.uniform(20, 150))
    page.centred(
        text.zh(int(rng.integers(2, 8))), page.font(bold, rng.uniform(30, 60)), 1.4
    )
    small = page.font(ZH_FONTS, rng.uniform(10, 16))
    for _ in range(int(rng.integers(1, 6))):
        page.centred(text.zh(int(rng.integers(3, 14))), small, 1.8)


def _write_note(page: Page, text: Text) -> None:
    """A few short lines of small print on an otherwise empty sheet.

    Separator sheets, slips and remarks look like this: two to six lines of 6-10 pt
    somewhere on the page, sometimes over the faint stripes a patch-code sheet or
    a dirty scanner glass leaves.
    """
    rng = page.rng
    if rng.random() < 0.4:
        step = page.px(rng.uniform(8, 25))
        grey = page.paper - int(rng.integers(4, 20))
        for x in range(int(rng.integers(0, step)), page.image.width, step):
            page.draw.line(
                [(x, 0), (x, page.image.height)],
                fill=grey,
                width=page.px(rng.uniform(1, 5)),
            )
    latin = rng.random() < 0.5
    font = page.font(EN_FONTS if latin else ZH_FONTS, rng.uniform(6, 10))
    page.y = int(rng.integers(page.y, max(page.y + 1, page.bottom // 2)))
    left = page.left + int(rng.integers(0, max(1, (page.right - page.left) // 3)))
    for _ in range(int(rng.integers(2, 7))):
        words = (
            text.en(int(rng.integers(3, 14)))
            if latin
            else text.zh(int(rng.integers(4, 24)))
        )
        indent = page.px(rng.uniform(0, 15)) if rng.random() < 0.5 else 0
        page.line(words, font, left + indent, rng.uniform(1.2, 1.6))


def _write_vertical(page: Page, text: Text) -> None:
    """Chinese in vertical columns, read top to bottom and right to left.

    Old registers, certificates and book pages are set this way; the characters
    stand upright while the lines run down the page, so the network must judge
    the characters and not the direction of the lines.
    """
    rng = page.rng
    font = page.font(ZH_FONTS, rng.uniform(9, 18))
    step = round(font.size * rng.uniform(1.0, 1.25))
    pitch = round(font.size * rng.uniform(1.5, 2.4))
    x = page.right - font.size
    words = text.zh(4000)
    used = 0
    while x >= page.left:
        y = page.y
        while y + font.size <= page.bottom and used < len(words):
            page.draw.text((x, y), words[used], fill=page.ink, font=font)
            y += step
            used += 1
        x -= pitch
        if rng.random() < 0.02:
            break


def _write_judgement(page: Page, text: Text) -> None:
    rng = page.rng
    title_pt = rng.uniform(16, 28)
    bold = [f for f in ZH_FONTS if "Bold" in f[0]]
    if rng.random() < 0.8:
        page.centred(f"{text.zh(2)}县人民法院", page.font(bold, title_pt), 1.5)
        page.centred(TITLES[rng.integers(len(TITLES))], page.font(bold, title_pt), 1.6)
    body_pt = rng.uniform(9, 16)
    font = page.font(ZH_FONTS, body_pt)
    page.right_aligned(text.case_number(), font)
    spacing = rng.uniform(1.3, 2.1)
    while not page.full:
        page.paragraph(
            text.zh(int(rng.integers(20, 240))), font, spacing, 2 * font.size
        )
        if rng.random() < 0.1:
            page.right_aligned(text.cn_date(), font)
        if rng.random() < 0.08:
            page.table(text, ZH_FONTS, body_pt * 0.9)
        if rng.random() < 0.05:
            page.table(text, EN_FONTS, body_pt * 0.9)
        if rng.random() < 0.15:
            break


def _write_english(page: Page, text: Text) -> None:
    rng = page.rng
    if rng.random() < 0.6:
        page.centred(
            text.en(int(rng.integers(2, 6))).upper(),
            page.font(EN_FONTS, rng.uniform(14, 24)),
            1.8,
        )
    font = page.font(EN_FONTS, rng.uniform(8, 14))
    spacing = rng.uniform(1.15, 1.8)
    while not page.full:
        indent = font.size * 2 if rng.random() < 0.5 else 0
        page.paragraph(text.en(int(rng.integers(10, 160))), font, spacing, indent)
        page.y += round(font.size * rng.uniform(0, 1.2))
        if rng.random() < 0.12:
            break


def _write_mixed(page: Page, text: Text) -> None:
    rng = page.rng
    font = page.font(ZH_FONTS, rng.uniform(9, 16))
    spacing = rng.uniform(1.3, 2.0)
    while not page.full:
        page.paragraph(
            text.mixed(int(rng.integers(20, 200))), font, spacing, 2 * font.size
        )
        if rng.random() < 0.12:
            break


def _write_tables(page: Page, text: Text) -> None:
    rng = page.rng
    latin = rng.random() < 0.3
    fonts = EN_FONTS if latin else ZH_FONTS
    heading = text.en(3).upper() if latin else text.zh(int(rng.integers(4, 12)))
    page.centred(heading, page.font(fonts, rng.uniform(14, 22)), 1.8)
    while not page.full:
        page.table(text, fonts, rng.uniform(8, 14))
        if rng.random() < 0.5:
            words = text.en(40) if latin else text.zh(int(rng.integers(20, 120)))
            page.paragraph(words, page.font(fonts, rng.uniform(9, 13)), 1.6, 0)


def _write_form(page: Page, text: Text) -> None:
    """Label and value lines with ruled blanks, as on a notice or a receipt."""
    rng = page.rng
    font = page.font(ZH_FONTS, rng.uniform(10, 16))
    page.centred(
        TITLES[rng.integers(len(TITLES))], page.font(ZH_FONTS, rng.uniform(18, 26)), 2.0
    )
    while not page.full:
        label = text.zh(int(rng.integers(2, 6))) + "："
        value = text.mixed(int(rng.integers(2, 30))) if rng.random() < 0.7 else ""
        y = page.y + round(font.size * 1.2)
        x0 = page.left + round(font.getlength(label))
        page.line(label + value, font, page.left, rng.uniform(1.8, 2.6))
        if not value:
            page.draw.line(
                [(x0, y), (page.right, y)], fill=page.ink, width=max(1, page.px(0.2))
            )


def degrade(gray: np.ndarray, dpi: float, rng: np.random.Generator) -> np.ndarray:
    """Make a drawn page look scanned: skew, blur, strokes, noise, bilevel, JPEG."""
    page = gray
    paper = int(np.percentile(page[::8, ::8], 90))
    if rng.random() < 0.5:
        angle = rng.uniform(-3.0, 3.0)
        h, w = page.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        page = cv2.warpAffine(
            page, matrix, (w, h), borderValue=paper, flags=cv2.INTER_LINEAR
        )
    if rng.random() < 0.2:
        kernel = np.ones((2, 2), np.uint8)
        page = (
            cv2.erode(page, kernel) if rng.random() < 0.5 else cv2.dilate(page, kernel)
        )
    if rng.random() < 0.2:
        shrink = rng.uniform(0.4, 0.7)
        small = cv2.resize(
            page, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA
        )
        page = cv2.resize(
            small, (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR
        )
    if rng.random() < 0.5:
        page = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.3, 1.3))
    if rng.random() < 0.25:
        threshold = rng.uniform(0.35, 0.65) * 255
        page = np.where(page < threshold, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        noise = rng.standard_normal(page.shape, dtype=np.float32)
        noise *= rng.uniform(2, 12)
        page = np.clip(page + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.15:
        count = int(page.size * rng.uniform(1e-4, 1e-3))
        page = page.copy()
        page[
            rng.integers(0, page.shape[0], count), rng.integers(0, page.shape[1], count)
        ] = 0
    if rng.random() < 0.3:
        quality = int(rng.integers(30, 90))
        ok, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            page = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return np.ascontiguousarray(page)


def _page_patches(args: tuple[int, int, str]) -> np.ndarray:
    """Render, degrade and cut one synthetic page (run in a worker process)."""
    seed, index, kind = args
    rng = np.random.default_rng([seed, index])
    text = Text(rng, ZH_SENTENCES, _WORDS)
    gray, dpi = render_page(rng, text, kind)
    gray = degrade(gray, dpi, rng)
    return _to_uint8(cut_patches(gray, dpi, limit=24, glyph_px=_glyph(rng)).pixels)


def _real_patches(args: tuple[str, float, int, int]) -> np.ndarray:
    """Degrade and cut one real scan from a training group (run in a worker)."""
    path, dpi, seed, index = args
    rng = np.random.default_rng([seed, index, 7])
    with Image.open(path) as image:
        gray = np.asarray(image.convert("L"))
    if index % 4:
        gray = degrade(gray, dpi, rng)
    return _to_uint8(cut_patches(gray, dpi, limit=24, glyph_px=_glyph(rng)).pixels)


def _glyph(rng: np.random.Generator) -> float:
    """Return a character size within a third of the station's, for robustness."""
    return float(GLYPH_PX * np.exp(rng.uniform(np.log(0.75), np.log(1.33))))


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    return np.round(pixels[..., 0] * 255).astype(np.uint8)


def real_pages(corpus: Path, groups: Sequence[str]) -> list[tuple[str, float]]:
    """Return ``(path, dpi)`` of the upright real scans of the given groups."""
    pages = []
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if row["doc_group"] in groups and row["orientation"] == "0":
                pages.append((str(corpus / row["path"]), manifest_dpi(row["dpi"])))
    return pages


def manifest_dpi(value: str) -> float:
    """Read the manifest's dpi column; an unknown resolution is taken as 300."""
    match = re.search(r"\d+", value)
    return float(match.group()) if match and not value.startswith("unknown") else 300.0


def with_turns(patches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return every window in its four clockwise quarter turns, labelled 0-3."""
    turned = [np.rot90(patches, -k, axes=(1, 2)) for k in range(4)]
    labels = np.repeat(np.arange(4), len(patches))
    return np.concatenate(turned), labels


def build_model() -> Any:
    """Four 3×3 convolution stages and a small dense head: about 108 k weights.

    About 8 M multiply-adds per window: sixteen windows take 2 ms on one x86 core.
    Batch normalisation is folded into the convolutions by the TFLite converter.
    """
    import keras
    from keras import layers

    inputs = keras.Input((PATCH_PX, PATCH_PX, 1))
    x = inputs
    for channels in (16, 24, 48, 64):
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(4, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def collect(
    seed: int, pages: int, first: int, corpus: Path | None, workers: int
) -> np.ndarray:
    """Cut windows from ``pages`` synthetic pages (and the real training scans)."""
    jobs = [(seed, first + i, "") for i in range(pages)]
    with multiprocessing.Pool(workers) as pool:
        parts = pool.map(_page_patches, jobs, chunksize=8)
        if corpus is not None and first == 0:
            real = real_pages(corpus, TRAIN_GROUPS)
            real_jobs = [
                (p, d, seed, i * 100 + k)
                for i, (p, d) in enumerate(real)
                for k in range(12)
            ]
            parts += pool.map(_real_patches, real_jobs)
    return np.concatenate([p for p in parts if len(p)])


_WORDS = en_words()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--pages", type=int, default=1200)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()

    started = time.monotonic()
    workers = os.cpu_count() or 1
    train = collect(args.seed, args.pages, 0, args.corpus, workers)
    valid = collect(args.seed, max(50, args.pages // 10), 10**6, None, workers)
    print(
        f"windows: {len(train)} training, {len(valid)} validation "
        f"({time.monotonic() - started:.0f} s)",
        flush=True,
    )

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    x_train, y_train = with_turns(train)
    x_valid, y_valid = with_turns(valid)
    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]

    model = build_model()
    steps = args.epochs * int(np.ceil(len(x_train) / 128))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.05)
    model.compile(
        keras.optimizers.Adam(schedule),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        (x_train[..., np.newaxis] / np.float32(255)).astype(np.float32),
        y_train,
        batch_size=128,
        epochs=args.epochs,
        validation_data=(
            (x_valid[..., np.newaxis] / np.float32(255)).astype(np.float32),
            y_valid,
        ),
        verbose=2,
    )

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(converter.convert())
    minutes = (time.monotonic() - started) / 60
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {minutes:.1f} min")


if __name__ == "__main__":
    main()
