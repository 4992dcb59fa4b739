"""Capture through SANE's real pnm and test backends."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from station._config import Config
from station._errors import ConfigError, ScannerBusyError
from station.capture import (
    PnmHopper,
    SaneScanner,
    ScanSettings,
    capture_batch,
    close_abandoned_batches,
    close_partial_batch,
    scanner_lock,
)
from station.queue import Batch, BatchState, Page
from tests.conftest import sample

PAGES = ["epson.png", "eurotext.tif", "small_ocr-p1.png", "kcs.png", "deskew-2.png"]


def _hopper(tmp_path: Path, names: list[str], faults: dict[int, str] | None = None):
    return PnmHopper([sample(n) for n in names], tmp_path / "hopper", faults)


def _scan(config: Config, scanner: SaneScanner, batch: str | None = None):
    with scanner:
        return capture_batch(config, scanner.pages, "pnm:0", continue_batch=batch)


def _pnm(hopper: PnmHopper, dpi: int = 300) -> SaneScanner:
    return SaneScanner(ScanSettings("pnm:0", dpi), before_page=hopper)


def test_every_page_of_the_feeder_is_stored_with_its_hash(
    db: Config, tmp_path: Path
) -> None:
    result = _scan(db, _pnm(_hopper(tmp_path, PAGES)))

    assert result.state == BatchState.SCANNED
    assert result.pages == len(PAGES)
    pages = list(Page.select().order_by(Page.page_no))
    assert [p.page_no for p in pages] == [1, 2, 3, 4, 5]
    for page in pages:
        data = Path(page.raw_path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == page.raw_sha256
        assert page.dpi == 300
    # The pixels SANE returned are the pixels of the sheet that was fed.
    from station._imageio import decode_image

    fed = decode_image(sample("small_ocr-p1.png")).pixels
    stored = decode_image(Path(pages[2].raw_path)).pixels
    assert stored.shape == fed.shape
    assert (stored == fed).all()


def test_resolution_below_300_dpi_is_refused_for_archive_scans() -> None:
    with pytest.raises(ConfigError, match="below the 300 dpi"):
        SaneScanner(ScanSettings("pnm:0", 200))


def test_device_that_cannot_reach_the_resolution_is_refused(tmp_path: Path) -> None:
    scanner = SaneScanner(ScanSettings("pnm:0", 600), before_page=None)
    with pytest.raises(ConfigError, match="at most 300 dpi"):
        scanner.__enter__()


def test_jam_keeps_pages_read_and_says_where_to_refeed(
    db: Config, tmp_path: Path
) -> None:
    hopper = _hopper(tmp_path, PAGES, faults={3: "jammed"})
    result = _scan(db, _pnm(hopper))

    assert result.state == BatchState.PARTIAL
    assert result.pages == 2
    assert "jammed" in result.message
    assert "re-feed from page 3" in result.message
    assert Page.select().count() == 2

    # The operator clears the jam and re-feeds the rest into the same batch.
    again = _scan(db, _pnm(hopper), batch=result.batch_id)
    assert again.state == BatchState.SCANNED
    assert again.pages == 5
    names = [Path(p.raw_path).name for p in Page.select().order_by(Page.page_no)]
    assert names == ["0001.png", "0002.png", "0003.png", "0004.png", "0005.png"]


def test_open_cover_ends_the_batch_as_partial(db: Config, tmp_path: Path) -> None:
    result = _scan(db, _pnm(_hopper(tmp_path, PAGES, faults={2: "cover_open"})))
    assert result.state == BatchState.PARTIAL
    assert "close the scanner cover" in result.message


def test_empty_feeder_says_load_paper(db: Config, tmp_path: Path) -> None:
    result = _scan(db, _pnm(_hopper(tmp_path, [])))
    assert result.state == BatchState.EMPTY
    assert "load the paper" in result.message


def test_io_error_on_page_3_of_the_test_backend(db: Config) -> None:
    """SANE's test backend, ADF mode: pages 1-2 read, an I/O error on page 3."""

    def fail_on_third(device, page_no: int) -> None:
        device.read_return_value = "SANE_STATUS_IO_ERROR" if page_no == 3 else "Default"

    scanner = SaneScanner(
        ScanSettings("test:0", 300, mode="gray", source="adf"),
        before_page=fail_on_third,
    )
    with scanner:
        scanner._device.test_picture = "Grid"
        result = capture_batch(db, scanner.pages, "test:0")

    assert result.state == BatchState.PARTIAL
    assert result.pages == 2
    assert "re-feed from page 3" in result.message
    assert "cable" in result.message


def test_test_backend_adf_runs_empty_after_ten_sheets(db: Config) -> None:
    scanner = SaneScanner(ScanSettings("test:0", 300, mode="gray", source="adf"))
    with scanner:
        # The test backend keeps its options across opens within one process.
        scanner._device.read_return_value = "Default"
        scanner._device.test_picture = "Grid"
        result = capture_batch(db, scanner.pages, "test:0")
    assert result.state == BatchState.SCANNED
    assert result.pages == 10


def test_second_scan_while_one_runs_is_answered_busy(
    db: Config, tmp_path: Path
) -> None:
    with scanner_lock(db), pytest.raises(ScannerBusyError, match="busy"):
        _scan(db, _pnm(_hopper(tmp_path, PAGES)))
    assert Batch.select().count() == 0


def test_batch_left_scanning_by_a_dead_process_is_closed_as_partial(
    db: Config,
) -> None:
    batch = Batch.create(id="abandoned", source="pnm:0", state=BatchState.SCANNING)
    Page.create(batch=batch, page_no=1, raw_path="/x", raw_sha256="0" * 64)

    assert close_abandoned_batches(db) == ["abandoned"]
    closed = Batch.get_by_id("abandoned")
    assert closed.state == BatchState.PARTIAL
    assert "re-feed from page 2" in closed.message

    result = close_partial_batch("abandoned")
    assert result.state == BatchState.SCANNED
    assert Batch.get_by_id("abandoned").state == BatchState.SCANNED


def test_sheet_that_cannot_be_fed_ends_the_batch_as_partial(
    db: Config, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(sample("epson.png").read_bytes()[:500])
    hopper = PnmHopper([sample("kcs.png"), bad, sample("eurotext.tif")], tmp_path / "h")
    result = _scan(db, _pnm(hopper))
    assert result.state == BatchState.PARTIAL
    assert result.pages == 1
    assert "bad.png" in result.message
    assert "re-feed from page 2" in result.message
