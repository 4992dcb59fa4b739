"""A station killed with SIGKILL mid-batch finishes the batch after a restart."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pikepdf

from station._config import Config
from tests.conftest import RunningReceiver, sample

PAGES = [
    "small_ocr-p1.png",
    "small_ocr-p2.png",
    "small_ocr-p3.png",
    "small_ocr-p4.png",
    "epson.png",
    "eurotext.tif",
    "kcs.png",
    "small_ocr-p5.png",
]


def _site_file(tmp_path: Path, config: Config) -> Path:
    site = tmp_path / "station.toml"
    site.write_text(
        f'[station]\ndata_dir = "{config.data_dir}"\n'
        f"[mqtt]\nport = {config.mqtt.port}\nretry_s = 3.0\n"
        "[capture]\nmin_free_mb = 1\n"
    )
    return site


def _station(site: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "station", "--config", str(site), *args],
        start_new_session=True,  # so the kill reaches the OCR workers too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _page_states(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            query = "SELECT state, COUNT(*) FROM page GROUP BY state"
            rows = conn.execute(query).fetchall()
    except sqlite3.OperationalError:  # the station is still creating its tables
        return {}
    return dict(rows)


def test_sigkill_mid_batch_then_restart_loses_and_repeats_nothing(
    tmp_path: Path, config: Config, register: RunningReceiver
) -> None:
    site = _site_file(tmp_path, config)
    feed = [str(sample(name)) for name in PAGES]
    scan = _station(site, "scan", *[a for f in feed for a in ("--feed", f)])

    deadline = time.monotonic() + 120
    while True:
        states = _page_states(config.db_path)
        if states.get("recognised", 0) >= 2 and sum(states.values()) == len(PAGES):
            break
        assert scan.poll() is None, scan.stderr.read().decode() if scan.stderr else ""
        assert time.monotonic() < deadline, f"no progress: {states}"
        time.sleep(0.05)
    os.killpg(scan.pid, signal.SIGKILL)
    scan.wait()
    states = _page_states(config.db_path)
    assert states.get("processing", 0) + states.get("captured", 0) > 0, (
        f"the kill came after the batch was done, test nothing: {states}"
    )

    daemon = _station(site, "run")
    try:
        deadline = time.monotonic() + 240
        folder = register.out / config.station_id
        while not (folder.exists() and any(folder.glob("*/manifest.json"))):
            assert daemon.poll() is None, (
                daemon.stderr.read().decode() if daemon.stderr else ""
            )
            assert time.monotonic() < deadline, (
                f"not delivered: {_page_states(config.db_path)}"
            )
            time.sleep(0.2)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(30)

    [manifest_path] = list(folder.glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text("utf-8"))
    numbers = [p["page_no"] for p in manifest["pages"]]
    numbers += [p["page_no"] for p in manifest["suppressed_blank_pages"]]
    assert sorted(numbers) == list(range(1, len(PAGES) + 1))
    assert manifest["failed_pages"] == []
    [entry] = manifest["files"]
    with pikepdf.open(manifest_path.parent / entry["name"]) as pdf:
        assert len(pdf.pages) == len(manifest["pages"])
    with sqlite3.connect(config.db_path) as conn:
        attempts = [r[0] for r in conn.execute("SELECT attempts FROM page")]
        crashes = [r[0] for r in conn.execute("SELECT crashes FROM page")]
        documents = conn.execute("SELECT COUNT(*) FROM document").fetchone()[0]
    assert len(attempts) == len(PAGES)
    assert max(attempts) == 2, "pages in work at the kill are processed once more"
    assert set(crashes) == {0}, "a killed daemon is not a crashed worker"
    assert documents == 1
