"""Show that cleaning keeps memory flat over a long batch.

Runs decode + clean_page on 500 pages (the sample pages, cycled, each turned by a
different small angle so no two are alike) in one process and prints the resident
set size at the end of every cycle through the samples, so that each reading is
taken after the same page. Memory is flat when the last readings stay within a few
megabytes of the reading after the first cycle.

    .venv/bin/python scripts/bench_memory.py [--pages 500]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station._demo import sample_pages  # noqa: E402
from station._imageio import decode_image  # noqa: E402
from station.preprocess import clean_page  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    files = sample_pages()
    readings = []
    for n in range(1, args.pages + 1):
        decoded = decode_image(files[(n - 1) % len(files)])
        pixels = decoded.pixels
        angle = ((n * 37) % 41 - 20) / 10.0  # -2.0 .. +2.0 degrees
        h, w = pixels.shape[:2]
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        fill = (255, 255, 255) if pixels.ndim == 3 else 255
        pixels = cv2.warpAffine(pixels, turn, (w, h), borderValue=fill)
        clean_page(np.ascontiguousarray(pixels), decoded.dpi or 300.0)
        if n % len(files) == 0:
            readings.append((n, rss_mb()))
            print(f"page {n:4d}: RSS {readings[-1][1]:7.1f} MB", flush=True)
    after_first_cycle = next(mb for n, mb in readings if n >= len(files))
    growth = readings[-1][1] - after_first_cycle
    peak = max(mb for _, mb in readings)
    print(
        f"\nRSS after the first cycle {after_first_cycle:.1f} MB, at the end "
        f"{readings[-1][1]:.1f} MB (growth {growth:+.1f} MB), peak {peak:.1f} MB"
    )


if __name__ == "__main__":
    main()
