"""Measure the document classifier on a labelled set the project builds itself.

Each catalog item has a few documents of typical wording in
``tests/fixtures/documents/classify_set.json``. Every variant is filled with
placeholder parties and numbers (a fixed seed per copy), laid out as an A4 page at
300 dpi with the Noto CJK fonts, roughened like a scan (a small tilt, blur and grain)
and read by Tesseract chi_sim+eng, exactly as the station would read it. The OCR text
goes to the classifier; the script prints top-1 accuracy on what was classified, the
share sent to review, a confusion matrix and every miss.

The set was written by the people who wrote the classifier, from the public formats
of court documents: read the figures as a regression check, not as the accuracy on a
court's real files, which only a labelled sample of real scans can give.

Usage: .venv/bin/python scripts/eval_classify.py [--copies 2] [--no-ocr] [--jobs 2]
OCR results are cached by content in --cache, so a second run takes seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from station.documents import Classification, Classifier, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SET_PATH = ROOT / "tests" / "fixtures" / "documents" / "classify_set.json"
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"
SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Bold.ttc"
SANS = FONT_DIR / "NotoSansCJK-Regular.ttc"
SC_FACE = 2  # Simplified Chinese face of the Noto CJK collections
DPI = 300
PAGE = (2480, 3508)
MARGIN = 300
COURT = "河南省桐柏县人民法院"

# Placeholders only: no real person, company or account.
POOLS: dict[str, list[str]] = {
    "A": ["某某农村商业银行股份有限公司", "王某", "河南某某建材有限公司", "赵某某"],
    "B": ["张某某", "李某", "桐柏县某某商贸有限公司", "刘某某"],
    "cause": ["借款合同纠纷", "买卖合同纠纷", "民间借贷纠纷", "劳务合同纠纷"],
    "addr": ["桐柏县城关镇某某路1号", "南阳市某某区某某街8号"],
    "addr2": ["桐柏县淮源镇某某村", "桐柏县城郊乡某某小区3号楼"],
    "bank": ["中国农业银行", "中国建设银行", "中国邮政储蓄银行"],
    "judge": ["执行员某某", "法官某某"],
    "clerk": ["书记员某某", "法官助理某某"],
    "plate": ["豫R·00000", "豫R·A0000"],
}


Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    """One rendered document: its label, its text as written and a stable key."""

    code: str
    variant: int
    copy: int
    layout: str
    title: str
    lines: tuple[str, ...]
    rows: Rows
    header: bool
    case: str

    @property
    def key(self) -> str:
        blob = json.dumps([self.layout, self.title, self.lines, self.rows, self.case])
        return hashlib.sha256(f"{blob}|{self.copy}".encode()).hexdigest()[:16]

    @property
    def text(self) -> str:
        """The text as written, for --no-ocr runs."""
        head = [COURT] if self.header else []
        cells = [f"{a} {b}" for a, b in self.rows]
        return "\n".join([*head, self.title, self.case, *cells, *self.lines])


def build_samples(copies: int, first_copy: int = 0) -> list[Sample]:
    data = json.loads(SET_PATH.read_text(encoding="utf-8"))
    samples = []
    for code, variants in data["items"].items():
        for number, variant in enumerate(variants):
            for copy in range(first_copy, first_copy + copies):
                rng = random.Random(f"{code}-{number}-{copy}")
                samples.append(_fill(code, number, copy, variant, rng))
    return samples


def _fill(
    code: str, number: int, copy: int, variant: dict[str, Any], rng: random.Random
) -> Sample:
    values = {key: rng.choice(pool) for key, pool in POOLS.items()}
    year = rng.choice([2024, 2025, 2026])
    values["case"] = f"（{year}）豫1330执{rng.randint(1, 2999)}号"
    values["civil_case"] = f"（{year - 1}）豫1330民初{rng.randint(1, 4999)}号"
    values["amount"] = f"{rng.randint(3, 900) * 1000}"
    values["date"] = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    values["date2"] = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    kind = variant.get("case", "enforcement")
    case = {
        "civil": values["civil_case"],
        "objection": values["case"].replace("执", "执异"),
    }.get(kind, values["case"])

    def fill(text: str) -> str:
        return text.format(**values)

    layout = variant["layout"]
    return Sample(
        code=code,
        variant=number,
        copy=copy,
        layout=layout,
        title=fill(variant["title"]),
        lines=tuple(fill(line) for line in variant.get("body", [])),
        rows=tuple((fill(a), fill(b)) for a, b in variant.get("rows", [])),
        header=layout == "court" or bool(variant.get("header")),
        case=case if layout in ("court", "form") and kind != "none" else "",
    )


def render(sample: Sample) -> Image.Image:
    """Lay the sample out on an A4 page and roughen it like a 300 dpi scan."""
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    rng = random.Random(sample.key)
    body_font = _font(SANS if sample.layout == "form" else SERIF, rng.choice([46, 50]))
    y = MARGIN
    if sample.header:
        draw.text(
            (PAGE[0] // 2, y), COURT, font=_font(SERIF_BOLD, 70), fill=0, anchor="mt"
        )
        y += 130
    draw.text(
        (PAGE[0] // 2, y), sample.title, font=_font(SERIF_BOLD, 84), fill=0, anchor="mt"
    )
    y += 150
    if sample.case:
        draw.text(
            (PAGE[0] - MARGIN, y), sample.case, font=body_font, fill=0, anchor="rt"
        )
        y += 110
    if sample.rows:
        y = _table(draw, sample.rows, body_font, y)
    for line in sample.lines:
        y = _paragraph(draw, line, body_font, y)
    return _roughen(page, rng)


def _table(
    draw: ImageDraw.ImageDraw, rows: Rows, font: ImageFont.FreeTypeFont, y: int
) -> int:
    left, split, right, height = MARGIN, MARGIN + 560, PAGE[0] - MARGIN, 120
    for label, value in rows:
        draw.rectangle((left, y, right, y + height), outline=0, width=3)
        draw.line((split, y, split, y + height), fill=0, width=3)
        draw.text((left + 20, y + height // 2), label, font=font, fill=0, anchor="lm")
        draw.text((split + 20, y + height // 2), value, font=font, fill=0, anchor="lm")
        y += height
    return y + 60


def _paragraph(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, y: int
) -> int:
    width = PAGE[0] - 2 * MARGIN
    line, indent = "", "　　"
    for char in indent + text:
        if draw.textlength(line + char, font=font) > width:
            draw.text((MARGIN, y), line, font=font, fill=0)
            y += 84
            line = ""
        line += char
    draw.text((MARGIN, y), line, font=font, fill=0)
    return y + 100


def _roughen(page: Image.Image, rng: random.Random) -> Image.Image:
    page = page.rotate(
        rng.uniform(-0.6, 0.6), resample=Image.Resampling.BILINEAR, fillcolor=255
    )
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
    grain = np.random.default_rng(rng.randrange(2**32)).normal(
        0, 10, (PAGE[1], PAGE[0])
    )
    pixels = np.clip(np.asarray(page, dtype=np.float32) * 0.92 + 12 + grain, 0, 255)
    return Image.fromarray(pixels.astype(np.uint8))


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=SC_FACE)


def ocr_text(sample: Sample, cache: Path, scale: float) -> str:
    """Render and OCR one sample, or take the cached text of an earlier run.

    ``scale`` resizes the 300 dpi page before OCR: Tesseract 5.3 chi_sim reads bold
    headings of 20 pt and more badly at 300 dpi and well at 150 dpi (scale 0.5).
    """
    suffix = "" if scale == 1.0 else f"-a{scale}"
    if scale == 0.0:
        suffix = "-station"
    hit = cache / f"{sample.key}{suffix}.txt"
    if hit.exists():
        return hit.read_text(encoding="utf-8")
    page = np.asarray(render(sample))
    if scale == 0.0:
        # The station's own OCR, as the daemon runs it on a 300 dpi page.
        from station.ocr import engine_for

        text_read = engine_for("chi_sim+eng").recognise(page, 300.0).text
        hit.write_text(text_read, encoding="utf-8")
        return text_read
    import pytesseract  # imported here: --no-ocr runs need no Tesseract

    if scale != 1.0:
        # The same reduction as the classify command's (cv2, area interpolation).
        size = (round(page.shape[1] * scale), round(page.shape[0] * scale))
        page = cv2.resize(page, size, interpolation=cv2.INTER_AREA)
    text: str = pytesseract.image_to_string(page, lang="chi_sim+eng", config="--psm 3")
    hit.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="fillings per variant")
    parser.add_argument(
        "--first-copy",
        type=int,
        default=0,
        help="start numbering copies here: copies 0-1 tuned the classifier, "
        "--first-copy 2 gives fillings and noise it has never seen",
    )
    parser.add_argument("--no-ocr", action="store_true", help="classify written text")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument(
        "--scale",
        type=float,
        default=0.0,
        help="0: the station's own OCR at 300 dpi (default); else Tesseract on the "
        "page resized by this factor",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "station-eval-classify",
    )
    parser.add_argument("--dump", type=Path, help="write each OCR text to this folder")
    args = parser.parse_args()

    samples = build_samples(args.copies, args.first_copy)
    started = time.monotonic()
    if args.no_ocr:
        texts = [s.text for s in samples]
    else:
        args.cache.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        count = len(samples)
        with ProcessPoolExecutor(args.jobs) as pool:
            texts = list(
                pool.map(ocr_text, samples, [args.cache] * count, [args.scale] * count)
            )
    elapsed = time.monotonic() - started
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for sample, text in zip(samples, texts, strict=True):
            name = f"{sample.code}-{sample.variant}-{sample.copy}.txt"
            (args.dump / name).write_text(text, encoding="utf-8")

    classifier = Classifier(load_catalog(), threshold=args.threshold)
    results = [classifier.classify([text]) for text in texts]
    source = (
        "the station's OCR (PP-OCRv4) at 300 dpi"
        if args.scale == 0.0
        else f"Tesseract at {300 * args.scale:g} dpi"
    )
    report(samples, results, elapsed, "written text" if args.no_ocr else source)
    return 0


def report(
    samples: list[Sample], results: list[Classification], elapsed: float, source: str
) -> None:
    codes = [item.code for item in load_catalog()]
    pairs = [
        (s.code, r.item.code if r.item else "review")
        for s, r in zip(samples, results, strict=True)
    ]
    classified = [(t, p) for t, p in pairs if p != "review"]
    correct = sum(t == p for t, p in classified)
    reviewed = len(pairs) - len(classified)

    print(f"documents: {len(pairs)} ({len(codes)} items), text from {source}")
    print(f"OCR time: {elapsed:.1f} s (0 when every text came from the cache)")
    print(
        f"classified: {len(classified)}; top-1 correct: {correct} = "
        f"{100 * correct / max(len(classified), 1):.1f} %"
    )
    print(f"sent to review: {reviewed} = {100 * reviewed / len(pairs):.1f} %")
    print(f"correct among all: {100 * correct / len(pairs):.1f} %")

    matrix = Counter(pairs)
    columns = [*codes, "review"]
    used = [c for c in columns if any(matrix[(t, c)] for t in codes)]
    print("\nconfusion matrix (rows: true item, columns: predicted; '.' = 0)")
    print("     " + " ".join(f"{c[:3]:>3}" for c in used))
    for true in codes:
        cells = [matrix[(true, c)] for c in used]
        print(f"{true:<4} " + " ".join(f"{n:>3}" if n else "  ." for n in cells))

    print("\nmisses and reviews:")
    for sample, result, (true, pred) in zip(samples, results, pairs, strict=True):
        if true != pred:
            print(
                f"  {true} v{sample.variant} c{sample.copy} -> {pred} "
                f"conf={result.confidence} title={result.title!r} "
                f"top={list(result.candidates)}"
            )


if __name__ == "__main__":
    sys.exit(main())
