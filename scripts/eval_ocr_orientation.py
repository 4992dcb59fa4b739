"""Measure the recogniser's opinion on page orientation on the corpus's real pages.

Usage::

    .venv/bin/python scripts/eval_ocr_orientation.py [--corpus /work/shared/corpus]
        [--min-confidence 0.5] [--all-languages] [--network]

Every real (not control), non-blank Chinese or English page of ``MANIFEST.tsv`` is
turned by 0, 90, 180 and 270 degrees clockwise and given to ``read_orientation``;
the right answer is the turn that undoes both the page's documented orientation
and ours. ``--all-languages`` adds the other real pages, blank ones included
(their right answer is "no text"). ``--network`` also shows what the orientation
network of ``station.preprocess`` says, to see which pages it leaves unsure.

Printed: one row per page and turn, the count of right, wrong and not confident
answers, and the median and 95th percentile time per page. Everything runs on one
thread (onnxruntime and OpenCV), as in a station worker; the first page is read
once before timing so that loading the models is not counted.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_orientation import manifest_dpi  # noqa: E402

from station.ocr import read_orientation  # noqa: E402
from station.ocr._orient import DEFAULT_MIN_CONFIDENCE  # noqa: E402
from station.ocr._rapid import RapidEngine  # noqa: E402

TURNS = (0, 90, 180, 270)
LANGUAGES = ("chi_sim", "eng")


@dataclass(frozen=True)
class CorpusPage:
    path: str
    language: str
    dpi: float
    orientation: int  # clockwise turn the upright page was given, per the manifest
    blank: bool


def corpus_pages(corpus: Path, all_languages: bool) -> list[CorpusPage]:
    pages = []
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if row["split"] == "control":
                continue
            blank = row["is_blank"] == "yes"
            wanted = row["language"] in LANGUAGES and not blank
            if wanted or all_languages:
                pages.append(
                    CorpusPage(
                        path=row["path"],
                        language=row["language"],
                        dpi=manifest_dpi(row["dpi"]),
                        orientation=int(row["orientation"]),
                        blank=blank,
                    )
                )
    return pages


def load(path: Path) -> np.ndarray:
    """Colour pages as RGB, all others as grey, as a scanner would deliver them."""
    with Image.open(path) as image:
        colour = image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr")
        return np.asarray(image.convert("RGB" if colour else "L"))


def network_says(pixels: np.ndarray, dpi: float) -> str:
    from station.preprocess import estimate_orientation

    estimate = estimate_orientation(pixels, dpi)
    return f"{estimate.degrees}" if estimate.confident else "unsure"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)
    parser.add_argument("--all-languages", action="store_true")
    parser.add_argument("--network", action="store_true")
    args = parser.parse_args()

    cv2.setNumThreads(1)
    engine = RapidEngine()  # one onnxruntime thread by default
    pages = corpus_pages(args.corpus, args.all_languages)
    first = load(args.corpus / pages[0].path)
    read_orientation(first, pages[0].dpi, engine)

    counts: Counter[str] = Counter()
    hard: Counter[str] = Counter()
    times = []
    header = f"{'page':48} {'turn':>4} {'want':>7} {'got':>7} {'conf':>5} lines"
    print(header + "     ms  verdict" + ("  network" if args.network else ""))
    for page in pages:
        upright = load(args.corpus / page.path)
        for turn in TURNS:
            pixels = np.ascontiguousarray(np.rot90(upright, k=-turn // 90))
            want = (360 - (page.orientation + turn)) % 360
            started = time.perf_counter()
            answer = read_orientation(pixels, page.dpi, engine, args.min_confidence)
            times.append((time.perf_counter() - started) * 1000)
            if page.blank:
                verdict = "right" if answer.reason == "no text" else "WRONG"
            elif not answer.confident:
                verdict = "unsure"
            else:
                verdict = "right" if answer.degrees == want else "WRONG"
            counts[verdict] += 1
            if page.path.endswith(("bing_0001.jpg", "notblank.jpg")):
                hard[verdict] += 1
            got = str(answer.degrees) if answer.confident else answer.reason[:7]
            shown = "no text" if page.blank else str(want)
            row = (
                f"{page.path[-48:]:48} {turn:4d} {shown:>7} {got:>7} "
                f"{answer.confidence:5.2f} {answer.lines:5d} {times[-1]:6.0f}  "
                f"{verdict:7}"
            )
            if args.network:
                row += f"  {network_says(pixels, page.dpi)}"
            print(row)

    total = sum(counts.values())
    print()
    print(
        f"{total} answers: {counts['right']} right, {counts['WRONG']} wrong, "
        f"{counts['unsure']} not confident (min confidence {args.min_confidence})"
    )
    print(f"cover and near-blank sheet: {hard['right']} of {sum(hard.values())} right")
    print(
        f"ms per page: median {np.median(times):.0f}, "
        f"95th percentile {np.percentile(times, 95):.0f}, max {max(times):.0f}"
    )
    return 1 if counts["WRONG"] else 0


if __name__ == "__main__":
    sys.exit(main())
