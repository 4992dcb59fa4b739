"""Time each stage of the station's main job per page, on the shipped sample pages.

Stages: capture (SANE read through the pnm backend, PNG encode, fsync, row commit),
decode, cover-sheet check, clean (border, blank, orientation, deskew), OCR (the
configured engine, PP-OCRv4 for Chinese, and the page's PDF/A text layer),
merge (page PDFs into one document), and delivery (publish to a local Mosquitto until
the reference register's acknowledgement, divided by the pages of the document).
Peers measured in the same run on the same pages: SANE's own ``scanimage`` for
capture, and the plain ``tesseract`` command for OCR. One process, one page at a time:
these are per-page costs, not throughput (the daemon runs OCR on every core).

    .venv/bin/python scripts/bench_stages.py [--pages N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station._config import load_config  # noqa: E402
from station._demo import sample_pages, scanner_for  # noqa: E402
from station._local import LocalBroker, enable_virtual_scanners  # noqa: E402


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=0, help="use the first N pages")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    work = Path(tempfile.mkdtemp(prefix="station-bench-"))
    enable_virtual_scanners(work / "sane")
    files = sample_pages()
    if args.pages:
        files = files[: args.pages]

    from station._station import Station
    from station.capture import capture_batch
    from station.queue import Page

    with LocalBroker(work / "broker") as broker:
        config = load_config(
            None,
            {
                "station.data_dir": str(work / "var"),
                "mqtt.port": broker.port,
                "capture.min_free_mb": 1,
                "ocr.workers": 1,
            },
        )
        from station.publish import Receiver

        receiver = Receiver(config.mqtt, work / "register")
        stop = threading.Event()
        threading.Thread(target=receiver.run, args=(stop,), daemon=True).start()
        station = Station(config)
        station.open()
        try:
            capture_ms = _capture(config, files, capture_batch)
            station_ms = _process(station, config)
            pages = list(Page.select().order_by(Page.page_no))
            peers = _peers(files, pages, work)
        finally:
            station.close()
            stop.set()

    rows = [
        ("capture (SANE read + store)", capture_ms, peers["scanimage"], "scanimage"),
        ("decode", station_ms["decode_ms"], [], ""),
        ("cover sheet check (QR)", station_ms.get("cover_ms", []), [], ""),
        ("clean (border,blank,turn,skew)", station_ms["clean_ms"], [], ""),
        (
            "OCR (PP-OCRv4 + PDF/A page)",
            station_ms["ocr_ms"],
            peers["tesseract"],
            "tesseract CLI chi_sim+eng pdf",
        ),
        ("merge into document PDF", station_ms["merge_ms"], [], ""),
        ("deliver until acknowledged", station_ms["deliver_ms"], [], ""),
    ]
    print(
        f"\n{len(files)} sample pages, one page at a time, this machine "
        f"({os.cpu_count()} cores)\n"
    )
    print(f"{'stage':32} {'median ms/page':>15} {'peer':>15} {'ratio':>7}  peer")
    for name, ours, peer, peer_name in rows:
        ours_m = _median(ours)
        peer_m = _median(peer)
        ratio = f"{ours_m / peer_m:.2f}" if peer else ""
        peer_txt = f"{peer_m:.1f}" if peer else ""
        print(f"{name:32} {ours_m:>15.1f} {peer_txt:>15} {ratio:>7}  {peer_name}")


def _capture(config, files, capture_batch):  # type: ignore[no-untyped-def]
    scanner = scanner_for(config, files)
    stamps: list[float] = [time.perf_counter()]
    with scanner:
        capture_batch(
            config,
            scanner.pages,
            "pnm:0",
            on_page=lambda n: stamps.append(time.perf_counter()),
        )
    return [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]


def _process(station, config):  # type: ignore[no-untyped-def]
    import json

    from station.queue import Document, Page

    station.run_until_idle(3600, delivered=True)
    stages: dict[str, list[float]] = {"decode_ms": [], "clean_ms": [], "ocr_ms": []}
    for page in Page.select():
        for key, value in json.loads(page.timings or "{}").items():
            stages.setdefault(key, []).append(float(value))
    doc = Document.get()
    from station.ocr import merge_pdfs

    parts = [
        Path(p.pdf_path) for p in Page.select().where(Page.pdf_path.is_null(False))
    ]
    t0 = time.perf_counter()
    merge_pdfs(parts)
    stages["merge_ms"] = [(time.perf_counter() - t0) * 1000 / len(parts)]
    # Delivery is measured once more on its own: republish and wait for the ack.
    from station.queue import Outbox

    Outbox.update(state="pending", last_attempt_at=None).execute()
    Document.update(state="ready").execute()
    t0 = time.perf_counter()
    station.run_until_idle(600, delivered=True)
    stages["deliver_ms"] = [(time.perf_counter() - t0) * 1000 / doc.page_count]
    return stages


def _peers(files, pages, work):  # type: ignore[no-untyped-def]
    from station.capture._hopper import PnmHopper

    scanimage: list[float] = []
    tesseract: list[float] = []
    hopper = PnmHopper(files, work / "peer-hopper")
    for path in files:
        pnm = hopper._to_pnm(path)
        t0 = time.perf_counter()
        with open(work / "peer.pnm", "wb") as out:
            subprocess.run(
                [
                    "scanimage",
                    "-d",
                    "pnm:0",
                    "--resolution",
                    "300",
                    "--filename",
                    str(pnm),
                    "--format=pnm",
                ],
                stdout=out,
                stderr=subprocess.DEVNULL,
                check=True,
            )
        scanimage.append((time.perf_counter() - t0) * 1000)
    for page in pages:
        if not page.clean_path:
            continue
        t0 = time.perf_counter()
        subprocess.run(
            [
                "tesseract",
                page.clean_path,
                str(work / "peer"),
                "-l",
                "chi_sim+eng",
                "pdf",
            ],
            capture_output=True,
            check=True,
        )
        tesseract.append((time.perf_counter() - t0) * 1000)
    return {"scanimage": scanimage, "tesseract": tesseract}


if __name__ == "__main__":
    main()
