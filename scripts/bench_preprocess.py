"""Compare the page cleaner with other deskew tools on the same pages, on one core.

Usage::

    .venv/bin/python scripts/bench_preprocess.py --manifest PATH/MANIFEST.tsv \\
        [--pages 8] [--turns 1.5,-1,4] [--repeat 3]

Every tool runs pinned to CPU 0 (this process by ``sched_setaffinity``, the external
programs under ``taskset -c 0``), on A4 pages at about 300 dpi from the corpus whose
skew was measured reliably, each turned by known angles. Reported per tool: median
and 95th-percentile time per page, the angle error against the known skew (median,
95th percentile, maximum), how often it gave no angle, and its median time relative
to the station's.

What each tool's time covers differs, and the table says so:

- station: ``clean_page`` from a decoded array (border, blank check, orientation,
  skew and the rotation of the full page);
- deskew 1.6.1 and jdeskew 0.4.2: the angle only, from a decoded grey array;
- unpaper: a whole run of the program on a PGM in ``/dev/shm`` (decode, its default
  filters, deskew, border, encode), with ``--deskew-scan-range 15``;
- tesseract ``--psm 0``: orientation and script detection of a PNG in ``/dev/shm``;
  it finds the quarter turn, not a small skew, so its accuracy is the share of
  pages it reports as upright (all are).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station.preprocess import clean_page  # noqa: E402
from tests.preprocess import pages as drawn  # noqa: E402

CORE = 0


@dataclass(frozen=True)
class Case:
    """One benchmark page: the pixels, their resolution and the known skew."""

    name: str
    pixels: np.ndarray
    dpi: float
    truth_deg: float


@dataclass
class Tally:
    """What one tool did over all cases."""

    what: str
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    abstained: int = 0
    upright: int = 0
    silent: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--turns", default="1.5,-1,4")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of in-process tools"
    )
    args = parser.parse_args()

    os.sched_setaffinity(0, {CORE})
    cv2.setNumThreads(1)
    turns = [float(t) for t in args.turns.split(",")]
    cases = _cases(args.manifest, args.pages, turns)
    pages = len(cases) // len(turns)
    print(f"{len(cases)} cases ({pages} pages x {len(turns)} turns), CPU {CORE}")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")

    tallies = {
        "station clean_page": _run(
            cases, _station, args.repeat, "border+blank+orient+skew+rotate"
        ),
        "station, colour page": _run(
            cases, _station_rgb, args.repeat, "same, H×W×3 input"
        ),
        "deskew 1.6.1": _run(cases, _deskew, 1, "angle only"),
        "jdeskew 0.4.2": _run(cases, _jdeskew, args.repeat, "angle only"),
        "unpaper 7": _run_files(cases, _unpaper, "whole run incl. PGM i/o"),
        "tesseract --psm 0": _run_files(cases, _osd, "orientation only, PNG i/o"),
    }
    _report(tallies)
    return 0


def _cases(manifest: Path, count: int, turns: list[float]) -> list[Case]:
    with open(manifest, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    chosen = [r for r in rows if _is_a4_300(r)][:count]
    cases = []
    for row in chosen:
        with Image.open(manifest.parent / row["path"]) as image:
            gray = np.asarray(image.convert("L"))
        truth = float(row["skew_deg_measured"])
        for turn in turns:
            turned = drawn.rotate(gray, turn, fill=255)
            cases.append(Case(f"{row['path']} {turn:+g}", turned, 300.0, truth + turn))
    return cases


def _is_a4_300(row: dict[str, str]) -> bool:
    size = sorted((int(row["width"]), int(row["height"])))
    return (
        row["split"] == "dev"
        and row["skew_measure_check"] == "ok"
        and "300" in row["dpi"]
        and 2300 <= size[0] <= 2700
        and 3200 <= size[1] <= 3900
    )


def _run(
    cases: list[Case],
    tool: Callable[[Case], float | tuple[float | None, float] | None],
    repeat: int,
    what: str,
) -> Tally:
    """Time an in-process tool, best of ``repeat`` runs per case.

    A tool may return its own timing with the angle, to leave out preparation that
    is not its work.
    """
    tally = Tally(what)
    for case in cases:
        walls, cpus = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = tool(case)
            elapsed = (time.perf_counter() - start) * 1000
            cpus.append((time.process_time() - start_cpu) * 1000)
            angle, ms = answer if isinstance(answer, tuple) else (answer, elapsed)
            walls.append(ms)
        tally.ms.append(min(walls))
        tally.cpu_ms.append(min(cpus))
        _score(tally, angle, case)
    return tally


def _run_files(
    cases: list[Case], tool: Callable[[Case, Path], float | None], what: str
) -> Tally:
    """Time an external program, once per case, writing its input to /dev/shm."""
    tally = Tally(what)
    folder = Path(tempfile.mkdtemp(prefix="bench-preprocess-", dir="/dev/shm"))
    try:
        for case in cases:
            start, before = time.perf_counter(), os.times()
            angle = tool(case, folder)
            after = os.times()
            tally.ms.append((time.perf_counter() - start) * 1000)
            spent = sum(after[:4]) - sum(before[:4])
            tally.cpu_ms.append(spent * 1000)
            _score(tally, angle, case)
    finally:
        shutil.rmtree(folder)
    return tally


def _score(tally: Tally, angle: float | None, case: Case) -> None:
    if angle is None:
        tally.abstained += 1
        tally.silent.append(case.name)
    elif math.isnan(angle):
        tally.upright += 1
    else:
        tally.errors.append(abs(angle - case.truth_deg))


def _station(case: Case) -> float | None:
    result = clean_page(case.pixels, case.dpi)
    return result.skew_deg if result.skew_confident else None


def _station_rgb(case: Case) -> tuple[float | None, float]:
    """The same page as three channels; timed by ``clean_page`` itself (``ms``)."""
    result = clean_page(np.dstack([case.pixels] * 3), case.dpi)
    return (result.skew_deg if result.skew_confident else None), result.ms


def _deskew(case: Case) -> float | None:
    from deskew import determine_skew

    # deskew 1.6.1 returns the angle to turn the page by (counter-clockwise positive),
    # which is minus the skew in the station's convention.
    angle = determine_skew(case.pixels, max_angle=15.0, min_angle=-15.0)
    return None if angle is None else -float(angle)


def _jdeskew(case: Case) -> float | None:
    from jdeskew.estimator import get_angle

    # jdeskew 0.4.2 also returns the correcting angle (minus our skew).
    return -float(get_angle(case.pixels, angle_max=15.0))


_UNPAPER_ROTATION = re.compile(r"rotation average:\s*(-?\d+(\.\d+)?)")


def _unpaper(case: Case, folder: Path) -> float | None:
    source, target = folder / "in.pgm", folder / "out.pgm"
    cv2.imwrite(str(source), case.pixels)
    command = ["unpaper", "-v", "--overwrite", "--deskew-scan-range", "15"]
    out = _pinned([*command, str(source), str(target)])
    # unpaper 7.0.0 -v prints "rotation average: <radians>", negative when the
    # content is turned counter-clockwise.
    match = _UNPAPER_ROTATION.search(out)
    return None if match is None else -math.degrees(float(match.group(1)))


def _osd(case: Case, folder: Path) -> float | None:
    source = folder / "in.png"
    cv2.imwrite(str(source), case.pixels)
    out = _pinned(["tesseract", str(source), "-", "--psm", "0", "--dpi", "300"])
    # tesseract 5.3 --psm 0 prints "Rotate: <0|90|180|270>"; upright is 0.
    match = re.search(r"Rotate:\s*(\d+)", out)
    if match is None:
        return None
    return math.nan if match.group(1) == "0" else 90.0


def _pinned(command: list[str]) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(
        ["taskset", "-c", str(CORE), *command],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return done.stdout + done.stderr


def _report(tallies: dict[str, Tally]) -> None:
    base = statistics.median(tallies["station clean_page"].ms)
    print(
        f"\n{'tool':20s} {'what the time covers':26s} {'ms med':>7s} {'ms p95':>7s} "
        f"{'cpu med':>7s} {'x ours':>6s} {'err med':>7s} {'err p95':>7s} "
        f"{'err max':>7s} {'none':>4s}"
    )
    for name, tally in tallies.items():
        ms = np.array(tally.ms)
        print(
            f"{name:20s} {tally.what:26s} {np.median(ms):7.0f} "
            f"{np.percentile(ms, 95):7.0f} {np.median(tally.cpu_ms):7.0f} "
            f"{np.median(ms) / base:6.1f} {_errors(tally)} {tally.abstained:4d}"
        )
        if tally.upright:
            print(f"{'':20s} orientation upright on {tally.upright}/{len(ms)} pages")
        if tally.silent:
            print(f"{'':20s} no angle for: {', '.join(tally.silent)}")
    print(
        "\nms: wall time (best of the repeats for in-process tools); cpu: processor "
        "time, children included;\nx ours: median wall time over the station's; "
        "err: |angle - known skew| in degrees; none: pages given no angle"
    )


def _errors(tally: Tally) -> str:
    if not tally.errors:
        return f"{'-':>7s} {'-':>7s} {'-':>7s}"
    values = np.array(tally.errors)
    stats = (np.median(values), np.percentile(values, 95), values.max())
    return " ".join(f"{v:7.3f}" for v in stats)


if __name__ == "__main__":
    sys.exit(main())
