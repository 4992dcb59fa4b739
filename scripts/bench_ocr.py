"""Pages per minute of the station's page worker against OCRmyPDF, same pages, same run.

Ten court-style pages with known text (``tests/ocr/court_pages.py``, degraded like
300 dpi colour scans) are written as JPEG files. Then, in turn:

- ``station``: the daemon's own worker function (``station._worker.process_page``:
  decode, trim, deskew, blank check, encode, OCR, PDF/A page) in two worker
  processes with one thread each, as the daemon runs them, followed by the merge
  into one document PDF. Process start-up and model loading are counted.
- ``ocrmypdf``: ``ocrmypdf --deskew --rotate-pages -l chi_sim+eng -j 2`` on one PDF
  holding the same JPEGs (made beforehand with img2pdf, not counted).

Both outputs' text layers are read back with ``pdftotext`` and scored against the
known text (character error rate after NFKC without white space, and case numbers
found exactly), so speed is compared at the accuracy each achieves. On a shared or
busy machine the absolute figures move; the ratio, taken in one run, moves less.

Usage: .venv/bin/python scripts/bench_ocr.py [--pages 10] [--rounds 1] [--keep DIR]
Needs ocrmypdf in the venv (benchmark only) and poppler's pdftotext.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import img2pdf  # noqa: E402

from station._worker import PageJob, init_worker, process_page  # noqa: E402
from station.ocr import merge_pdfs  # noqa: E402
from tests.ocr.court_pages import CourtPage, court_page  # noqa: E402
from tests.ocr.measure import cer, contains  # noqa: E402

log = logging.getLogger("bench_ocr")
WORKERS = 2


def run_tool(cmd: list[str], timeout_s: float = 1800) -> str:
    """The one place this script starts a program; its output is returned."""
    log.debug("running %s", " ".join(cmd))
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    return done.stdout


def write_pages(folder: Path, count: int) -> tuple[list[CourtPage], list[Path]]:
    pages = [court_page(seed) for seed in range(101, 101 + count)]
    paths = []
    for page in pages:
        path = folder / f"{page.name}.jpg"
        page.image.save(path, quality=90, dpi=(page.dpi, page.dpi))
        paths.append(path)
    return pages, paths


def run_station(paths: list[Path], work: Path) -> tuple[float, Path]:
    out_dir = work / "station"
    shutil.rmtree(out_dir, ignore_errors=True)
    (out_dir / "clean").mkdir(parents=True)
    (out_dir / "pdf").mkdir()
    jobs = [
        PageJob(
            page_id=n,
            page_no=n,
            raw_path=str(path),
            out_dir=str(out_dir),
            dpi=300,
            min_dpi=300,
            max_pixels=120_000_000,
            languages="chi_sim+eng",
            timeout_s=600,
        )
        for n, path in enumerate(paths, start=1)
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, initializer=init_worker) as pool:
        outcomes = list(pool.map(process_page, jobs))
    failed = [o for o in outcomes if o.state != "recognised"]
    if failed:
        raise RuntimeError(f"station failed on pages {[o.page_id for o in failed]}")
    merged = work / "station.pdf"
    merged.write_bytes(merge_pdfs([Path(str(o.pdf_path)) for o in outcomes]))
    return time.perf_counter() - started, merged


def run_ocrmypdf(paths: list[Path], work: Path) -> tuple[float, Path]:
    source = work / "input.pdf"
    layout = img2pdf.get_fixed_dpi_layout_fun((300, 300))
    source.write_bytes(img2pdf.convert([str(p) for p in paths], layout_fun=layout))
    out = work / "ocrmypdf.pdf"
    tool = str(Path(sys.executable).parent / "ocrmypdf")
    started = time.perf_counter()
    run_tool(
        [
            tool,
            "--deskew",
            "--rotate-pages",
            "-l",
            "chi_sim+eng",
            "-j",
            str(WORKERS),
            "--output-type",
            "pdfa",
            "-q",
            str(source),
            str(out),
        ]
    )
    return time.perf_counter() - started, out


def score(pdf: Path, pages: list[CourtPage]) -> tuple[float, int]:
    errors = length = cases = 0
    for number, page in enumerate(pages, start=1):
        text = run_tool(
            [
                "pdftotext",
                "-enc",
                "UTF-8",
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
                "-",
            ]
        )
        e, n = cer(page.text, text)
        errors, length = errors + e, length + n
        cases += contains(text, page.case_number)
    return 100.0 * errors / length, cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep pages and PDFs here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    work = args.keep or Path(tempfile.mkdtemp(prefix="station-bench-ocr-"))
    work.mkdir(parents=True, exist_ok=True)
    pages, paths = write_pages(work, args.pages)
    print(
        f"{len(pages)} court-style pages, A4 colour JPEG at 300 dpi; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start"
    )
    rows = []
    for round_no in range(1, args.rounds + 1):
        for name, runner in (("station", run_station), ("ocrmypdf", run_ocrmypdf)):
            seconds, pdf = runner(paths, work)
            rate, cases = score(pdf, pages)
            rows.append((round_no, name, seconds, rate, cases))
    print(
        f"\n{'round':>5} {'pipeline':<10} {'seconds':>8} {'pages/min':>9} "
        f"{'CER %':>6} {'case no.':>8}"
    )
    for round_no, name, seconds, rate, cases in rows:
        print(
            f"{round_no:>5} {name:<10} {seconds:>8.1f} "
            f"{60 * len(pages) / seconds:>9.2f} {rate:>6.2f} "
            f"{cases:>5}/{len(pages)}"
        )
    ours = sum(r[2] for r in rows if r[1] == "station")
    theirs = sum(r[2] for r in rows if r[1] == "ocrmypdf")
    print(
        f"\nstation is {theirs / ours:.2f} x ocrmypdf's pages per minute "
        f"(load average {os.getloadavg()[0]:.1f} at the end)"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
