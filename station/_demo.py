"""Scan a batch end to end, and the demo that does so on the shipped sample pages."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station._config import Config, load_config
from station._errors import ConfigError, StationError
from station._local import LocalBroker, enable_virtual_scanners
from station._station import Station, daemon_lock
from station.capture import (
    CaptureResult,
    PnmHopper,
    SaneScanner,
    ScanSettings,
    capture_batch,
)
from station.publish import Receiver
from station.queue import Batch, Document, Page, PageState

log = logging.getLogger(__name__)

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "corpus"


def sample_pages(folder: Path = SAMPLES) -> list[Path]:
    """The sample pages in the order of their MANIFEST.tsv, or sorted by name."""
    manifest = folder / "MANIFEST.tsv"
    if manifest.exists():
        rows = manifest.read_text("utf-8").splitlines()[1:]
        return [folder / row.split("\t")[0] for row in rows if row.strip()]
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not p.name.endswith((".md", ".tsv", ".txt", ".upstream", ".toml"))
    )


def scanner_for(config: Config, feed: list[Path] | None) -> SaneScanner:
    """A SANE scanner for the configured device, fed with ``feed`` if given."""
    settings = ScanSettings(
        device=config.capture.device,
        dpi=config.capture.dpi,
        min_dpi=config.capture.min_dpi,
        mode=config.capture.mode,
        source=config.capture.source,
    )
    hopper = None
    if feed:
        if not config.capture.device.startswith("pnm"):
            raise ConfigError("pages can only be fed to SANE's pnm backend (pnm:0)")
        if "SANE_CONFIG_DIR" not in os.environ:
            enable_virtual_scanners(config.data_dir / "sane")
        hopper = PnmHopper(feed, config.data_dir / "hopper")
    return SaneScanner(settings, before_page=hopper)


def capture_with(
    config: Config, scanner: SaneScanner, continue_batch: str | None = None
) -> CaptureResult:
    with scanner:
        return capture_batch(
            config,
            scanner.pages,
            source=config.capture.device,
            continue_batch=continue_batch,
        )


def scan_batch(
    config: Config,
    feed: list[Path] | None,
    process: bool = True,
    timeout_s: float = 1800,
    continue_batch: str | None = None,
) -> dict[str, Any]:
    """Scan one batch; with ``process``, also clean, OCR and deliver it.

    When the daemon already serves this data directory, only the capture runs here:
    two processes working the same queue would each take the other's pages back.
    """
    if process and daemon_lock(config).is_held_elsewhere():
        log.info("the station daemon is running: it will process this batch")
        process = False
    station = Station(config)
    station.open(publish=process, serve=process)
    try:
        scanner = scanner_for(config, feed)
        result = _capture_while_processing(station, scanner, process, continue_batch)
        if process:
            station.run_until_idle(timeout_s)
        return {
            "batch": result.batch_id,
            "state": result.state.value,
            "pages_read": result.pages,
            "message": result.message,
            "processed_here": process,
            **station.summary([result.batch_id]),
        }
    finally:
        station.close()


def _capture_while_processing(
    station: Station,
    scanner: SaneScanner,
    process: bool,
    continue_batch: str | None = None,
    progress: Callable[[], None] | None = None,
) -> CaptureResult:
    """Capture in a thread while the daemon loop cleans and OCRs what is stored."""
    outcome: list[CaptureResult | BaseException] = []

    def capture() -> None:
        try:
            outcome.append(capture_with(station.config, scanner, continue_batch))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    thread = threading.Thread(target=capture, name="capture")
    thread.start()
    while thread.is_alive():
        if process:
            station.step()
        if progress is not None:
            progress()
        thread.join(0.1)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def run_demo(
    out: Path, pages: Path | None, sets: dict[str, Any], keep_running: bool = False
) -> str:
    """Start a broker and a register, scan the pages through SANE, and report."""
    out = out.resolve()
    files = sample_pages(pages) if pages else sample_pages()
    if not files:
        raise StationError(f"no page images found in {pages or SAMPLES}")
    with LocalBroker(out / "broker") as broker:
        config = load_config(
            None,
            {
                "station.data_dir": str(out / "var"),
                "mqtt.port": broker.port,
                **sets,
            },
        )
        receiver = Receiver(config.mqtt, out / "register")
        stop = threading.Event()
        receiver_thread = threading.Thread(
            target=receiver.run, args=(stop,), daemon=True
        )
        receiver_thread.start()
        started = time.monotonic()
        station = Station(config)
        station.open()
        try:
            print(
                f"Scanning {len(files)} pages through SANE (pnm backend)...", flush=True
            )
            progress = _Progress(len(files))
            result = _capture_while_processing(
                station, scanner_for(config, files), True, progress=progress
            )
            station.run_until_idle(1800, progress=progress)
            progress(force=True)
            elapsed = time.monotonic() - started
            names = [f.name for f in files]
            report = demo_report(config, result, out, elapsed, receiver.stored, names)
            if receiver.stored == 0:
                print(report, flush=True)
                raise StationError(
                    "the demo delivered no document: see the failed pages above"
                )
            if keep_running:
                print(report, flush=True)
                print(
                    f"Station running with its broker on 127.0.0.1:{broker.port}; "
                    "press Ctrl-C to stop. To scan more pages into it, in another "
                    f"shell: station --set station.data_dir={config.data_dir} scan "
                    "--feed PAGES...",
                    flush=True,
                )
                with contextlib.suppress(KeyboardInterrupt):
                    station.run(threading.Event())
            return report
        finally:
            station.close()
            stop.set()
            receiver_thread.join(5)


class _Progress:
    """Prints, every few seconds, how far the batch has come."""

    def __init__(self, expected: int, every_s: float = 3.0) -> None:
        self.expected = expected
        self.every_s = every_s
        self._last = time.monotonic()
        self._said = ""

    def __call__(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._last < self.every_s:
            return
        self._last = time.monotonic()
        states: dict[str, int] = {}
        for page in Page.select(Page.state):
            states[page.state] = states.get(page.state, 0) + 1
        done = sum(states.get(s, 0) for s in ("recognised", "blank", "failed"))
        docs = Document.select().count()
        sent = Document.select().where(Document.state == "delivered").count()
        line = (
            f"  scanned {sum(states.values())}/{self.expected}, processed "
            f"{done}/{self.expected}, documents delivered {sent}/{docs}"
        )
        if line != self._said:
            print(line, flush=True)
            self._said = line


def demo_report(
    config: Config,
    result: CaptureResult,
    out: Path,
    elapsed_s: float,
    stored: int,
    names: list[str],
) -> str:
    pages = list(
        Page.select().where(Page.batch == result.batch_id).order_by(Page.page_no)
    )
    docs = list(Document.select().where(Document.batch == result.batch_id))
    batch = Batch.get_by_id(result.batch_id)
    kept = [p for p in pages if p.state == PageState.RECOGNISED]
    blank = [p for p in pages if p.state == PageState.BLANK]
    failed = [p for p in pages if p.state == PageState.FAILED]
    turned = [abs(p.skew_deg) for p in pages if p.skew_confident and p.skew_deg]
    straightened = [
        p for p in pages if p.skew_confident and abs(p.skew_deg or 0) >= 0.05
    ]
    lines = [
        "",
        f"Batch {result.batch_id}: {batch.state} ({result.message})",
        f"  pages read            {len(pages)}",
        f"  pages kept            {len(kept)}",
        f"  suppressed as blank   {len(blank)}"
        + (f"  (pages {', '.join(str(p.page_no) for p in blank)})" if blank else ""),
        f"  failed                {len(failed)}",
        f"  skew corrected        {len(straightened)} pages"
        + (f"  (median {statistics.median(turned):.2f}°)" if straightened else ""),
        f"  skew left unsure      {sum(1 for p in pages if p.skew_confident is False)}",
        "  characters recognised per kept page:",
    ]
    for page in kept:
        name = names[page.page_no - 1] if page.page_no <= len(names) else "?"
        chars = len("".join((page.text or "").split()))
        lines.append(
            f"    page {page.page_no:>3} ({name}): {chars} chars, "
            f"confidence {page.ocr_confidence or 0:.0f}"
        )
    for page in failed:
        lines.append(f"    page {page.page_no:>3}: FAILED {page.error}")
    delivered = [d for d in docs if d.state == "delivered"]
    lines += [
        f"  documents             {len(docs)} built, {len(delivered)} delivered and "
        f"acknowledged ({stored} stored by the register)",
        f"  stage medians (ms)    {json.dumps(_stage_medians(pages))}",
        f"  wall time             {elapsed_s:.1f} s",
        f"  station data          {config.data_dir}",
        f"  documents built       {config.data_dir / 'documents'}",
        f"  register output       {out / 'register' / config.station_id}",
    ]
    return "\n".join(lines)


def _stage_medians(pages: list[Page]) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    for page in pages:
        for stage, ms in json.loads(page.timings or "{}").items():
            samples.setdefault(stage, []).append(float(ms))
    return {stage: round(statistics.median(v), 1) for stage, v in samples.items()}
