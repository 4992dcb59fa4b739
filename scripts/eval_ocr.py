"""Measure OCR accuracy of each engine on court-style pages and real scans.

Two sets are read, each by every engine named:

- ``court``: court-style pages rendered here with known text (``tests/ocr/
  court_pages.py``: 28 pt headings, case numbers, amounts, dates, a ruled table, a red
  seal over the signature lines, 8 pt footer), degraded like scans (tilt, blur,
  grain, show-through, JPEG), plus an 8 pt paragraph at 200 dpi and a 28 pt heading.
- ``real``: the corpus pages that have ground-truth text (``MANIFEST.tsv``), the
  Chinese book page and the Latin-script pages, each read with the language the
  manifest gives it.

For each set and engine the script prints the character error rate (after NFKC and
without white space; ``strict`` without NFKC), the share of case numbers and of
printed numbers (amounts, dates, phone numbers, table cells) found exactly, and the
mean seconds per page. Pages are read ``--jobs`` at a time, each worker with one
thread, as the station reads them.

Usage: .venv/bin/python scripts/eval_ocr.py [--pages 10] [--jobs 2]
       [--corpus /work/shared/corpus] [--engines rapidocr,tesseract:chi_sim,...]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station.ocr import TesseractEngine  # noqa: E402
from station.ocr._rapid import RapidEngine, RapidSettings  # noqa: E402
from tests.ocr.court_pages import (  # noqa: E402
    CourtPage,
    court_page,
    heading_page,
    small_print_page,
)
from tests.ocr.measure import cer, contains  # noqa: E402

_NUMBER = re.compile(r"[0-9][0-9.,:\-]{3,}[0-9]")
_LATIN = {"eng", "nld", "fra", "deu", "eng+deu+fra+ita+spa+por"}
TESSERACT_LANGS = {"eng", "chi_sim"}


@dataclass(frozen=True)
class Task:
    set_name: str
    name: str
    engine: str  # "rapidocr" or "tesseract:LANGS"
    path: str  # image file, or "court:SEED", "small", "heading"
    truth: str
    case_number: str
    dpi: float


@dataclass(frozen=True)
class Outcome:
    task: Task
    errors: int
    length: int
    strict_errors: int
    strict_length: int
    case_ok: bool | None
    numbers_found: int
    numbers_total: int
    seconds: float
    text: str


def _court(spec: str) -> CourtPage:
    if spec == "small":
        return small_print_page()
    if spec == "heading":
        return heading_page()
    return court_page(int(spec.split(":")[1]))


def _image(task: Task) -> np.ndarray:
    if task.path.startswith(("court:", "small", "heading")):
        return np.asarray(_court(task.path).image)
    with Image.open(task.path) as image:
        return np.asarray(image.convert("L" if image.mode in ("1", "L") else "RGB"))


_ENGINES: dict[str, object] = {}


def _engine(spec: str) -> RapidEngine | TesseractEngine:
    if spec not in _ENGINES:
        if spec.startswith("rapidocr"):
            settings = RapidSettings()
            if "@" in spec:
                settings = RapidSettings(det_megapixels=float(spec.split("@")[1]))
            _ENGINES[spec] = RapidEngine(settings)
        else:
            _ENGINES[spec] = TesseractEngine(spec.split(":")[1])
    engine = _ENGINES[spec]
    assert isinstance(engine, RapidEngine | TesseractEngine)
    return engine


def run(task: Task) -> Outcome:
    image = _image(task)
    started = time.perf_counter()
    result = _engine(task.engine).recognise(image, task.dpi)
    seconds = time.perf_counter() - started
    text = result.text
    errors, length = cer(task.truth, text)
    strict_errors, strict_length = cer(task.truth, text, strict=True)
    numbers = _NUMBER.findall(task.truth)
    return Outcome(
        task=task,
        errors=errors,
        length=length,
        strict_errors=strict_errors,
        strict_length=strict_length,
        case_ok=contains(text, task.case_number) if task.case_number else None,
        numbers_found=sum(contains(text, n) for n in numbers),
        numbers_total=len(numbers),
        seconds=seconds,
        text=text,
    )


def _init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def court_tasks(pages: int, engines: list[str]) -> list[Task]:
    specs = [f"court:{seed}" for seed in range(1, pages + 1)] + ["small", "heading"]
    tasks = []
    for spec in specs:
        page = _court(spec)
        for engine in engines:
            tasks.append(
                Task(
                    "court",
                    page.name,
                    engine,
                    spec,
                    page.text,
                    page.case_number,
                    page.dpi,
                )
            )
    return tasks


def real_tasks(corpus: Path, engines: list[str]) -> list[Task]:
    """Corpus pages with ground truth; Latin pages use eng, Chinese chi_sim."""
    tasks = []
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            gt = row["gt_text_file"]
            if gt in ("", "NA") or row["split"] == "control":
                continue
            truth = (corpus / gt).read_text(encoding="utf-8")
            dpi = float(m.group()) if (m := re.search(r"\d+", row["dpi"])) else 300.0
            chinese = row["language"].startswith("chi")
            for named in engines:
                latin_tesseract = not chinese and named.startswith("tesseract:chi")
                engine = "tesseract:eng" if latin_tesseract else named
                tasks.append(
                    Task(
                        "real-zh" if chinese else "real-latin",
                        Path(row["path"]).name,
                        engine,
                        str(corpus / row["path"]),
                        truth,
                        "",
                        dpi,
                    )
                )
    return list(dict.fromkeys(tasks))


def report(outcomes: list[Outcome], verbose: bool) -> None:
    keys = sorted({(o.task.set_name, o.task.engine) for o in outcomes})
    header = (
        f"{'set':<11} {'engine':<24} {'pages':>5} {'CER %':>7} {'strict %':>8} "
        f"{'case no.':>9} {'numbers':>9} {'s/page':>7}"
    )
    print(header)
    print("-" * len(header))
    for set_name, engine in keys:
        group = [
            o
            for o in outcomes
            if (o.task.set_name, o.task.engine) == (set_name, engine)
        ]
        errors = sum(o.errors for o in group)
        length = sum(o.length for o in group)
        strict = sum(o.strict_errors for o in group) / max(
            1, sum(o.strict_length for o in group)
        )
        cases = [o.case_ok for o in group if o.case_ok is not None]
        found = sum(o.numbers_found for o in group)
        total = sum(o.numbers_total for o in group)
        case_cell = f"{sum(cases)}/{len(cases)}" if cases else "-"
        number_cell = f"{found}/{total}" if total else "-"
        seconds = sum(o.seconds for o in group) / len(group)
        print(
            f"{set_name:<11} {engine:<24} {len(group):>5} "
            f"{100 * errors / max(1, length):>7.2f} {100 * strict:>8.2f} "
            f"{case_cell:>9} {number_cell:>9} {seconds:>7.2f}"
        )
    if verbose:
        print()
        for o in outcomes:
            rate = 100 * o.errors / max(1, o.length)
            print(
                f"{o.task.set_name:<11} {o.task.engine:<24} {o.task.name:<36} "
                f"{rate:6.2f} %"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10, help="court pages")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument(
        "--engines",
        default="rapidocr,rapidocr@1.0,tesseract:chi_sim,tesseract:chi_sim+eng",
        help="comma-separated: rapidocr[@DETECTION_MEGAPIXELS], tesseract:LANGS",
    )
    parser.add_argument("--sets", default="court,real")
    parser.add_argument("--verbose", action="store_true", help="one row per page")
    args = parser.parse_args()

    engines = args.engines.split(",")
    tasks: list[Task] = []
    if "court" in args.sets:
        tasks += court_tasks(args.pages, engines)
    if "real" in args.sets and args.corpus.exists():
        tasks += real_tasks(args.corpus, engines)
    started = time.monotonic()
    with ProcessPoolExecutor(args.jobs, initializer=_init) as pool:
        outcomes = list(pool.map(run, tasks))
    print(
        f"{len(tasks)} readings in {time.monotonic() - started:.0f} s, "
        f"{args.jobs} worker(s) with one thread each\n"
    )
    report(outcomes, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
