"""Measure page-orientation detection on the corpus, and Tesseract's OSD beside it.

Usage::

    .venv/bin/python scripts/eval_orientation.py --corpus /work/shared/corpus \\
        [--synthetic 40] [--tesseract real|all|none]

Every Chinese and English page of the corpus that is a real, non-blank scan (plus
the Latin pages in other languages whose groups were not used for training) is
judged upright and turned by 90, 180 and 270 degrees, as are the corpus's rotated
synthetic controls as they are and freshly drawn pages: the two upright-Chinese
cases (ten 12 pt lines; a mixed Chinese and English page), the same ten lines
set in vertical columns, and ``--synthetic`` pages from the training generator
with a seed it never trains on.

Printed: accuracy per language and turn (right, wrong and flagged counts), the
confusion matrix, the share flagged for review, the median time per page of the
station's estimate (cutting windows, running the network, and both), how the
share of confident mistakes and of flagged pages moves with the confidence
threshold, the same page set read by ``tesseract --psm 0`` for comparison, and
the station's final answers: the network's where it is sure and, on the pages it
flags, the second opinion the cleaner asks of PP-OCRv4 (``--no-check`` skips it).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_orientation import (  # noqa: E402
    TRAIN_GROUPS,
    ZH_SENTENCES,
    Text,
    degrade,
    en_words,
    manifest_dpi,
    render_page,
)

from station._worker import check_orientation_by_text  # noqa: E402
from station.preprocess._analysis import analyse  # noqa: E402
from station.preprocess._orientation import (  # noqa: E402
    DEFAULT_MIN_CONFIDENCE,
    classify,
    cut_patches,
    estimate_orientation,
)

TURNS = (0, 90, 180, 270)
FONT_SC = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)

#: Sentences for the upright-Chinese cases, none of them in the training set: ten
#: lines of a judgement, then (after a blank line) a page mixing Chinese and
#: English. The orientation tests draw the same lines.
_LINES = (ROOT / "tests/fixtures/orientation/upright_lines.txt").read_text("utf-8")
C11_LINES, MIXED_LINES = (
    tuple(part.splitlines()) for part in _LINES.strip().split("\n\n")
)


@dataclass(frozen=True)
class TestPage:
    """An upright page of the evaluation, or one already turned (``turn_deg``)."""

    name: str
    language: str
    gray: np.ndarray
    dpi: float
    turn_deg: int = 0
    real: bool = True


@dataclass
class Verdict:
    page: TestPage
    turn_deg: int
    expected: int
    best: int
    confidence: float
    confident: bool
    cut_ms: float
    model_ms: float
    model_cpu_ms: float
    total_ms: float
    analysis_ms: float
    tesseract: int | None = None
    tesseract_conf: float = 0.0
    tesseract_ms: float = 0.0
    checked: int | None = None
    checked_ms: float = 0.0

    @property
    def station(self) -> int | None:
        """The cleaner's answer: the network's when sure, else the check's, if sure."""
        if self.confident:
            return self.best
        return self.checked


def corpus_pages(corpus: Path) -> list[TestPage]:
    """Real non-blank text scans not used in training, and the rotated controls."""
    pages = []
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            language = row["language"].split("+")[0]
            if row["is_blank"] == "yes" or language in ("none", "zxx"):
                continue
            if row["doc_group"] in TRAIN_GROUPS:
                continue
            with Image.open(corpus / row["path"]) as image:
                gray = np.asarray(image.convert("L"))
            real = row["split"] != "control"
            group = language if language in ("chi_sim", "eng") else "other-latin"
            pages.append(
                TestPage(
                    name=row["path"],
                    language=group if real else "control",
                    gray=gray,
                    dpi=manifest_dpi(row["dpi"]),
                    turn_deg=int(row["orientation"]),
                    real=real,
                )
            )
    return pages


def drawn_lines(lines: tuple[str, ...], pt: float, dpi: float) -> np.ndarray:
    """Draw lines of text at ``pt`` on an A4 sheet at ``dpi``, from the top left."""
    size = (round(210 * dpi / 25.4), round(297 * dpi / 25.4))
    image = Image.new("L", size, 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_SC[0], round(pt * dpi / 72), index=FONT_SC[1])
    margin = round(25 * dpi / 25.4)
    for i, line in enumerate(lines):
        draw.text((margin, margin + round(i * font.size * 1.8)), line, 20, font)
    return np.asarray(image)


def drawn_columns(text: str, pt: float, dpi: float) -> np.ndarray:
    """Draw Chinese in vertical columns, right to left, on an A4 sheet at ``dpi``."""
    size = (round(210 * dpi / 25.4), round(297 * dpi / 25.4))
    image = Image.new("L", size, 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_SC[0], round(pt * dpi / 72), index=FONT_SC[1])
    margin = round(25 * dpi / 25.4)
    x, y, used = size[0] - margin - font.size, margin, 0
    while x > margin and used < len(text):
        draw.text((x, y), text[used], 20, font)
        used += 1
        y += round(font.size * 1.1)
        if y > size[1] - margin - font.size:
            x, y = x - round(font.size * 1.8), margin
    return np.asarray(image)


def synthetic_pages(count: int, seed: int) -> list[TestPage]:
    """The upright-Chinese cases and ``count`` generated, scan-degraded pages."""
    pages = [
        TestPage(
            "c11-ten-lines",
            "synthetic",
            drawn_lines(C11_LINES, 12, 300),
            300.0,
            real=False,
        ),
        TestPage(
            "c11-mixed",
            "synthetic",
            drawn_lines(MIXED_LINES, 11, 300),
            300.0,
            real=False,
        ),
        TestPage(
            "vertical-columns",
            "synthetic",
            drawn_columns("".join(C11_LINES), 12, 300),
            300.0,
            real=False,
        ),
    ]
    words = en_words()
    for index in range(count):
        rng = np.random.default_rng([seed, 7, index])
        gray, dpi = render_page(rng, Text(rng, ZH_SENTENCES, words))
        gray = degrade(gray, dpi, rng)
        pages.append(TestPage(f"generated-{index}", "synthetic", gray, dpi, real=False))
    for page in pages[:2]:
        pages.append(
            TestPage(
                page.name + "-scanned",
                "synthetic",
                _scanned(page.gray),
                300.0,
                real=False,
            )
        )
    return pages


def _scanned(gray: np.ndarray) -> np.ndarray:
    """Blur, noise and a bilevel threshold, as a cheap office scanner gives."""
    rng = np.random.default_rng(3)
    page = cv2.GaussianBlur(gray, (0, 0), 1.0).astype(np.float32)
    page += rng.normal(0, 8, page.shape)
    return np.where(page < 150, 0, 255).astype(np.uint8)


def turn(gray: np.ndarray, clockwise_deg: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(gray, -clockwise_deg // 90))


def judge(page: TestPage, extra_deg: int, min_confidence: float) -> Verdict:
    """Turn a page by ``extra_deg`` more and read it with the station's estimate."""
    gray = turn(page.gray, extra_deg)
    applied = (page.turn_deg + extra_deg) % 360
    expected = (360 - applied) % 360

    # The cleaner analyses every page once, for the border, blank and skew
    # checks as well; orientation's own cost is what it adds to that.
    started = time.perf_counter()
    analysis = analyse(gray, page.dpi)
    analysis.marks  # noqa: B018 - found once per page, as the blank check does
    analysis_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    patches = cut_patches(gray, page.dpi, page=analysis)
    cut_ms = (time.perf_counter() - started) * 1000
    model_ms = model_cpu_ms = 0.0
    if len(patches.pixels):
        started, cpu = time.perf_counter(), time.process_time()
        classify(patches.pixels)
        model_ms = (time.perf_counter() - started) * 1000
        model_cpu_ms = (time.process_time() - cpu) * 1000

    estimate = estimate_orientation(gray, page.dpi, min_confidence=0.0, page=analysis)
    best = estimate.degrees if estimate.reason == "ok" else -1
    return Verdict(
        page=page,
        turn_deg=applied,
        expected=expected,
        best=best,
        confidence=estimate.confidence,
        confident=estimate.reason == "ok" and estimate.confidence >= min_confidence,
        cut_ms=cut_ms,
        model_ms=model_ms,
        model_cpu_ms=model_cpu_ms,
        total_ms=estimate.ms,
        analysis_ms=analysis_ms,
    )


def tesseract_osd(
    gray: np.ndarray, dpi: float, folder: Path
) -> tuple[int | None, float, float]:
    """Run ``tesseract --psm 0`` and return (clockwise turn to upright, confidence, ms).

    Tesseract 5.3 prints ``Rotate: N``, the clockwise turn that makes the page
    upright, and ``Orientation confidence``; on pages where it finds too few
    characters it prints an error and no ``Rotate`` line, read here as no answer.
    """
    path = folder / "page.png"
    cv2.imwrite(str(path), gray)
    started = time.perf_counter()
    done = subprocess.run(
        [
            "tesseract",
            str(path),
            "-",
            "--psm",
            "0",
            "--dpi",
            str(round(dpi)),
            "-l",
            "osd",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    ms = (time.perf_counter() - started) * 1000
    rotate = re.search(r"Rotate:\s*(\d+)", done.stdout)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", done.stdout)
    if rotate is None:
        return None, 0.0, ms
    return (
        int(rotate.group(1)) % 360,
        float(confidence.group(1)) if confidence else 0.0,
        ms,
    )


def report(
    verdicts: list[Verdict], min_confidence: float, tess_threshold: float
) -> None:
    _per_group(verdicts)
    _confusion(verdicts)
    _times(verdicts)
    _thresholds(verdicts, min_confidence)
    _tesseract(verdicts, tess_threshold)


def _per_group(verdicts: list[Verdict]) -> None:
    print("\nAccuracy per language and turn applied (clockwise):")
    print(
        "  right = confident and right; wrong = confident and wrong; flagged = unsure"
    )
    print(
        f"  {'language':<12}{'turn':>5}{'pages':>7}{'right':>7}{'wrong':>7}"
        f"{'flagged':>9}{'argmax ok':>11}"
    )
    rows: dict[tuple[str, int | str], list[Verdict]] = defaultdict(list)
    for v in verdicts:
        rows[(v.page.language, v.turn_deg)].append(v)
        rows[(v.page.language, "all")].append(v)
    rows[("ALL", "all")] = verdicts
    for (language, turned), group in sorted(
        rows.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))
    ):
        right = sum(v.confident and v.best == v.expected for v in group)
        wrong = sum(v.confident and v.best != v.expected for v in group)
        flagged = sum(not v.confident for v in group)
        argmax = sum(v.best == v.expected for v in group)
        print(
            f"  {language:<12}{turned!s:>5}{len(group):>7}{right:>7}{wrong:>7}"
            f"{flagged:>9}{100 * argmax / len(group):>10.1f}%"
        )
    mistakes = [v for v in verdicts if v.best != v.expected or not v.confident]
    for v in mistakes:
        state = "confident" if v.confident else "flagged"
        kind = "miss" if v.best != v.expected else "flag"
        print(
            f"  {kind}: {v.page.name} turned {v.turn_deg}: said {v.best}, "
            f"expected {v.expected}, confidence {v.confidence:.2f} ({state})"
        )


def _confusion(verdicts: list[Verdict]) -> None:
    print(
        "\nConfusion (rows: correct turn to upright; columns: answer, confident only):"
    )
    print("  " + " " * 8 + "".join(f"{c:>7}" for c in (*TURNS, "flag")))
    for expected in TURNS:
        row = [v for v in verdicts if v.expected == expected]
        counts = Counter(v.best if v.confident else "flag" for v in row)
        print(
            f"  {expected:>8}"
            + "".join(f"{counts.get(c, 0):>7}" for c in (*TURNS, "flag"))
        )
    flagged = sum(not v.confident for v in verdicts)
    print(
        f"  flagged for review: {flagged}/{len(verdicts)}"
        f" = {100 * flagged / len(verdicts):.1f} %"
    )


def _times(verdicts: list[Verdict]) -> None:
    timed = [v for v in verdicts if v.model_ms > 0]
    load = os.getloadavg()[0]
    print(
        "\nTime per page, one thread (median / 95th percentile, ms; "
        f"load average {load:.1f} on {os.cpu_count()} cores):"
    )
    for label, values in (
        ("page analysis, shared with border, blank and skew", []),
        ("  reduce and find marks", [v.analysis_ms for v in timed]),
        ("orientation's own", []),
        ("  cut windows", [v.cut_ms for v in timed]),
        ("  network", [v.model_ms for v in timed]),
        ("  network, CPU", [v.model_cpu_ms for v in timed]),
        ("  whole estimate", [v.total_ms for v in timed]),
    ):
        if not values:
            print(f"  {label}")
            continue
        print(
            f"  {label:<24}{statistics.median(values):8.1f}"
            f"{np.percentile(values, 95):8.1f}"
        )


def _thresholds(verdicts: list[Verdict], chosen: float) -> None:
    print(
        "\nConfidence threshold (mean window probability): confident mistakes, flagged"
    )
    for threshold in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
        # best is -1 where the network gave no answer at all (no text, or no
        # text lines): flagged at every threshold, never wrong.
        wrong = sum(
            v.best not in (-1, v.expected) and v.confidence >= threshold
            for v in verdicts
        )
        flagged = sum(v.best == -1 or v.confidence < threshold for v in verdicts)
        mark = "  <- default" if abs(threshold - chosen) < 1e-9 else ""
        print(
            f"  {threshold:.2f}: wrong {wrong:>3}, flagged {flagged:>3} "
            f"({100 * flagged / len(verdicts):.1f} %){mark}"
        )


def _tesseract(verdicts: list[Verdict], threshold: float) -> None:
    ran = [v for v in verdicts if v.tesseract_ms > 0]
    if not ran:
        return
    print(
        f"\nSame {len(ran)} pages: station network vs tesseract --psm 0 "
        f"(confident = orientation confidence >= {threshold:g}, OCRmyPDF's default):"
    )
    station_ok = sum(v.best == v.expected for v in ran)
    station_conf = sum(v.confident and v.best == v.expected for v in ran)
    tess_ok = sum(v.tesseract == v.expected for v in ran)
    tess_conf = sum(
        v.tesseract == v.expected and v.tesseract_conf >= threshold for v in ran
    )
    tess_wrong = sum(
        v.tesseract is not None
        and v.tesseract != v.expected
        and v.tesseract_conf >= threshold
        for v in ran
    )
    station_wrong = sum(v.confident and v.best != v.expected for v in ran)
    station_ms = statistics.median(v.total_ms for v in ran)
    tess_ms = statistics.median(v.tesseract_ms for v in ran)
    n = len(ran)
    print(
        f"  {'':<12}{'argmax ok':>11}{'confident ok':>14}"
        f"{'conf. wrong':>13}{'median ms':>11}"
    )
    print(
        f"  {'station':<12}{100 * station_ok / n:>10.1f}%"
        f"{100 * station_conf / n:>13.1f}%"
        f"{station_wrong:>13}{station_ms:>11.1f}"
    )
    print(
        f"  {'tesseract':<12}{100 * tess_ok / n:>10.1f}%{100 * tess_conf / n:>13.1f}%"
        f"{tess_wrong:>13}{tess_ms:>11.1f}"
    )
    print(f"  tesseract / station time: {tess_ms / station_ms:.0f}x")
    by_language: dict[str, list[Verdict]] = defaultdict(list)
    for v in ran:
        by_language[v.page.language].append(v)
    for language, group in sorted(by_language.items()):
        s = sum(v.best == v.expected for v in group)
        t = sum(v.tesseract == v.expected for v in group)
        print(f"  {language:<12} station {s}/{len(group)}, tesseract {t}/{len(group)}")


def _with_check(verdicts: list[Verdict]) -> None:
    print(
        "\nThe station's answer: the network's when sure, PP-OCRv4's check on the"
        " pages it flags"
    )
    print(
        f"  {'language':<12}{'pages':>7}{'right':>7}{'wrong':>7}{'unsure':>8}"
        f"{'right %':>9}{'checked':>9}"
    )
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        groups[v.page.language].append(v)
        if v.page.language in ("chi_sim", "eng"):
            groups["chi_sim+eng"].append(v)
    groups["ALL"] = verdicts
    for language, group in sorted(groups.items()):
        right = sum(v.station == v.expected for v in group)
        unsure = sum(v.station is None for v in group)
        wrong = len(group) - right - unsure
        checked = sum(not v.confident for v in group)
        print(
            f"  {language:<12}{len(group):>7}{right:>7}{wrong:>7}{unsure:>8}"
            f"{100 * right / len(group):>8.1f}%{checked:>9}"
        )
    for v in verdicts:
        if not v.confident:
            said = "unsure" if v.checked is None else f"{v.checked}"
            mark = "right" if v.checked == v.expected else "NOT right"
            print(
                f"  checked: {v.page.name} turned {v.turn_deg}: {said}, expected "
                f"{v.expected} ({mark}, {v.checked_ms:.0f} ms)"
            )
    times = [v.checked_ms for v in verdicts if not v.confident and v.checked_ms]
    if times:
        print(
            f"  check time per flagged page: median {statistics.median(times):.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--synthetic", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--tesseract", choices=("real", "all", "none"), default="real")
    parser.add_argument("--tesseract-threshold", type=float, default=14.0)
    parser.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="do not ask the second opinion (PP-OCRv4) about flagged pages",
    )
    parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)
    args = parser.parse_args()

    pages = corpus_pages(args.corpus) + synthetic_pages(args.synthetic, args.seed)
    print(f"{len(pages)} pages, each judged in four turns (controls as they are)")
    estimate_orientation(pages[0].gray, pages[0].dpi)  # load the model before timing

    verdicts = []
    for page in pages:
        extras = (0,) if page.language == "control" else TURNS
        for extra in extras:
            verdicts.append(judge(page, extra, args.min_confidence))

    # Tesseract runs after every station estimate so that its threads do not
    # disturb the station's timings.
    with tempfile.TemporaryDirectory() as folder:
        for verdict in verdicts:
            page = verdict.page
            if args.tesseract == "all" or (args.tesseract == "real" and page.real):
                extra = (verdict.turn_deg - page.turn_deg) % 360
                gray = turn(page.gray, extra)
                answer, confidence, ms = tesseract_osd(gray, page.dpi, Path(folder))
                verdict.tesseract = answer
                verdict.tesseract_conf = confidence
                verdict.tesseract_ms = ms
    if args.check:
        for verdict in verdicts:
            if not verdict.confident:
                page = verdict.page
                gray = turn(page.gray, (verdict.turn_deg - page.turn_deg) % 360)
                second = check_orientation_by_text(gray, page.dpi)
                verdict.checked = second.degrees if second.confident else None
                verdict.checked_ms = second.ms
    report(verdicts, args.min_confidence, args.tesseract_threshold)
    if args.check:
        _with_check(verdicts)


if __name__ == "__main__":
    main()
