"""The station's main job with real parts: SANE, Tesseract, SQLite, Mosquitto."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pikepdf
import pytest

from station._config import Config
from station._demo import _capture_while_processing, sample_pages, scanner_for
from station._local import LocalBroker
from station._station import Station
from station.capture import import_files
from station.queue import Document, Outbox, OutboxState, Page, PageState
from tests.conftest import SAMPLES, RunningReceiver, make_config, sample

CJK = re.compile(r"[\u4e00-\u9fff]")


def _stored_documents(register: RunningReceiver, config: Config) -> list[Path]:
    folder = register.out / config.station_id
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def test_batch_of_real_pages_is_delivered_with_hashes_verified(
    config: Config, register: RunningReceiver
) -> None:
    files = sample_pages(SAMPLES)
    assert len(files) >= 20
    station = Station(config)
    station.open()
    try:
        result = _capture_while_processing(station, scanner_for(config, files), True)
        assert station.run_until_idle(600), "the batch was not delivered in time"
    finally:
        station.close()

    assert result.pages == len(files)
    [folder] = _stored_documents(register, config)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    [entry] = manifest["files"]
    pdf_bytes = (folder / entry["name"]).read_bytes()
    assert hashlib.sha256(pdf_bytes).hexdigest() == entry["sha256"]

    kept = manifest["pages"]
    blank = manifest["suppressed_blank_pages"]
    assert len(kept) + len(blank) + len(manifest["failed_pages"]) == len(files)
    with pikepdf.open(folder / entry["name"]) as pdf:
        assert len(pdf.pages) == len(kept) == manifest["page_count"]

    by_name = {f.name: n for n, f in enumerate(files, start=1)}
    blank_numbers = {p["page_no"] for p in blank}
    assert by_name["empty.png"] in blank_numbers, "the blank scan must be suppressed"
    assert by_name["notblank.jpg"] not in blank_numbers, "a few lines are content"

    # The raw image of every page is the one SANE read, hashed as stored.
    for page in Page.select():
        assert hashlib.sha256(Path(page.raw_path).read_bytes()).hexdigest() == (
            page.raw_sha256
        )
    texts = {p["page_no"]: p["text"] for p in kept}
    for n in range(1, 9):  # the Chinese book pages
        assert len(CJK.findall(texts[by_name[f"small_ocr-p{n}.png"]])) > 200
    assert "Wikipedia" in texts[by_name["epson.png"]]
    assert "brown" in texts[by_name["eurotext.tif"]]
    assert Document.get().state == "delivered"


def test_corrupt_and_empty_files_fail_alone(
    config: Config, register: RunningReceiver, tmp_path: Path
) -> None:
    good = sample("epson.png").read_bytes()
    files = {
        "1.png": good,
        "2.png": b"",
        "3.png": good[: len(good) // 3],
        "4.tif": sample("eurotext.tif").read_bytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    station = Station(config)
    station.open()
    try:
        import_files(config, [tmp_path / n for n in files], source="test")
        assert station.run_until_idle(300)
    finally:
        station.close()

    [folder] = _stored_documents(register, config)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [p["page_no"] for p in manifest["pages"]] == [1, 4]
    failed = {p["page_no"]: p["error"] for p in manifest["failed_pages"]}
    assert set(failed) == {2, 3}
    assert "empty" in failed[2]
    assert "corrupt or truncated" in failed[3]


def test_broker_down_while_scanning_delays_delivery_but_loses_nothing(
    tmp_path: Path,
) -> None:
    from station._local import free_port
    from station.publish import Receiver

    port = free_port()
    config = make_config(tmp_path, port, **{"mqtt.retry_s": 2.0})
    station = Station(config)
    station.open()
    try:
        files = [sample(n) for n in ("epson.png", "small_ocr-p2.png", "kcs.png")]
        _capture_while_processing(station, scanner_for(config, files), True)
        assert station.run_until_idle(300, delivered=False)
        [row] = list(Outbox.select())
        assert row.state == OutboxState.PENDING
        assert station.link is not None
        assert "cannot reach the broker" in station.link.problem

        with LocalBroker(tmp_path / "late-broker", port=port):
            receiver = Receiver(config.mqtt, tmp_path / "register")
            import threading

            stop = threading.Event()
            thread = threading.Thread(target=receiver.run, args=(stop,), daemon=True)
            thread.start()
            try:
                assert station.run_until_idle(90), (
                    "not delivered after the broker came back"
                )
            finally:
                stop.set()
                thread.join(5)
    finally:
        station.close()
    assert receiver.stored == 1
    assert Document.get().state == "delivered"


def test_refused_login_is_reported_and_keeps_the_document(tmp_path: Path) -> None:
    import subprocess

    passwords = tmp_path / "passwd"
    subprocess.run(
        ["mosquitto_passwd", "-b", "-c", str(passwords), "station", "right"], check=True
    )
    with LocalBroker(tmp_path / "broker", password_file=passwords) as broker:
        config = make_config(
            tmp_path,
            broker.port,
            **{"mqtt.username": "station", "mqtt.password": "wrong"},
        )
        station = Station(config)
        station.open()
        try:
            import_files(config, [sample("kcs.png")], source="test")
            assert station.run_until_idle(120, delivered=False)
            deadline = time.monotonic() + 10
            assert station.link is not None
            while "refused the login" not in station.link.problem:
                assert time.monotonic() < deadline, station.link.problem
                station.step()
                time.sleep(0.1)
            assert "mqtt.username and mqtt.password" in station.link.problem
            assert Outbox.get().state == OutboxState.PENDING
        finally:
            station.close()


def test_blank_only_batch_builds_no_document_and_says_so(
    config: Config,
) -> None:
    station = Station(config)
    station.open(publish=False)
    try:
        import_files(config, [sample("empty.png")] * 2, source="test")
        assert station.run_until_idle(120, delivered=False)
    finally:
        station.close()
    assert Document.select().count() == 0
    assert {p.state for p in Page.select()} == {PageState.BLANK}
    from station.queue import Batch

    assert "no page with content" in Batch.get().message


def test_message_over_the_brokers_limit_is_kept_and_explained(tmp_path: Path) -> None:
    with LocalBroker(tmp_path / "broker", extra="max_packet_size 10240\n") as broker:
        config = make_config(tmp_path, broker.port, **{"mqtt.retry_s": 1.0})
        station = Station(config)
        station.open()
        try:
            import_files(config, [sample("kcs.png")], source="test")
            assert station.run_until_idle(120, delivered=False)
            deadline = time.monotonic() + 15
            while not Outbox.get().last_error:
                assert time.monotonic() < deadline, "no attempt was made"
                station.step()
                time.sleep(0.1)
            row = Outbox.get()
            assert "max_packet_size" in row.last_error
            assert row.state == OutboxState.PENDING
            assert station.link is not None and station.link.connected
        finally:
            station.close()


def test_page_below_300_dpi_is_kept_and_flagged(
    config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from PIL import Image

    low = tmp_path / "low.png"
    with Image.open(sample("epson.png")) as image:
        image.resize((1240, 1754)).save(low, dpi=(150, 150))
    station = Station(config)
    station.open(publish=False)
    try:
        import_files(config, [low], source="test")
        assert station.run_until_idle(120, delivered=False)
    finally:
        station.close()
    page = Page.get()
    assert page.state == PageState.RECOGNISED
    assert page.dpi == 150
    assert "low_dpi" in page.flags
    assert "below the 300 dpi" in caplog.text


def test_a_batch_that_cannot_be_built_is_held_and_the_next_goes_on(
    config: Config,
) -> None:
    from station.queue import Batch, BatchState

    station = Station(config)
    station.open(publish=False)
    try:
        first = import_files(config, [sample("kcs.png")], source="test")
        # Held open as if still scanning: its page is processed, its document
        # not yet built.
        Batch.update(state=BatchState.SCANNING).where(
            Batch.id == first.batch_id
        ).execute()
        while Page.select().where(Page.state == PageState.RECOGNISED).count() < 1:
            station.step()
            time.sleep(0.05)
        # The page's PDF vanishes before its document is built (a disk error).
        Path(Page.get().pdf_path).unlink()
        Batch.update(state=BatchState.SCANNED).where(
            Batch.id == first.batch_id
        ).execute()
        second = import_files(config, [sample("eurotext.tif")], source="test")
        station.run(_stop_when(lambda: Document.select().count() == 1))
    finally:
        station.close()
    assert Batch.get_by_id(first.batch_id).state == BatchState.HELD
    assert "could not be built" in Batch.get_by_id(first.batch_id).message
    assert Document.get().batch_id == second.batch_id


def _stop_when(condition, timeout_s: float = 120.0):  # type: ignore[no-untyped-def]
    import threading

    stop = threading.Event()
    deadline = time.monotonic() + timeout_s

    class _Stop:
        def is_set(self) -> bool:
            if condition() or time.monotonic() > deadline:
                stop.set()
            return stop.is_set()

        def wait(self, seconds: float) -> bool:
            return stop.wait(seconds)

    return _Stop()


def test_forged_or_stray_acknowledgements_do_not_mark_a_document_delivered(
    config: Config,
) -> None:
    from station.publish import MqttLink, ack_topic, encode_ack

    station = Station(config)
    station.open()
    forger = MqttLink(config.mqtt, "forger", [])
    forger.start()
    try:
        import_files(config, [sample("kcs.png")], source="test")
        assert station.run_until_idle(120, delivered=False)
        doc_id = Document.get().id
        assert forger.wait_connected(10)
        prefix, sid = config.mqtt.topic_prefix, config.station_id
        forger.publish(ack_topic(prefix, sid, "other-id"), encode_ack(doc_id, "stored"))
        forger.publish(ack_topic(prefix, sid, doc_id), b"[" * 50_000 + b"]" * 50_000)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            station.step()
            time.sleep(0.05)
        assert Document.get().state == "ready"
        assert Outbox.get().state != OutboxState.ACKED
    finally:
        forger.stop()
        station.close()
