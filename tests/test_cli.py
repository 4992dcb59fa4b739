"""The ``station`` command as an operator runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.conftest import sample


def _station(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_preprocess_prints_one_json_object_per_page(tmp_path: Path) -> None:
    result = _station(
        "preprocess",
        "--json",
        "--out",
        str(tmp_path),
        str(sample("deskew-2.png")),
        str(sample("empty.png")),
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["input"]).name for r in records] == ["deskew-2.png", "empty.png"]
    skewed, blank = records
    assert set(skewed) >= {"input", "skew_deg", "crop", "blank", "dpi", "ms"}
    assert skewed["skew_deg"] > 1.0 and skewed["skew_confident"]
    assert not skewed["blank"] and blank["blank"]
    assert len(skewed["crop"]) == 4
    assert (tmp_path / "deskew-2.png").exists()


def test_preprocess_reports_a_bad_file_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    result = _station("preprocess", "--json", str(bad), str(sample("kcs.png")))
    assert result.returncode == 2, "bad input exits 2"
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "corrupt" in first["error"] or "not an image file" in first["error"]
    assert second["blank"] is False


def test_bad_setting_exits_2_with_the_setting_named() -> None:
    result = _station(
        "--set", "capture.dpi=150", "--set", "capture.min_dpi=150", "status"
    )
    assert result.returncode == 2
    assert "capture.min_dpi" in result.stderr


def test_preprocess_turns_a_sideways_page_upright(tmp_path: Path) -> None:
    from PIL import Image

    sideways = tmp_path / "sideways.png"
    with Image.open(sample("epson.png")) as page:
        # Fed with its top to the right: the content is turned 90° clockwise.
        page.transpose(Image.Transpose.ROTATE_270).save(sideways, dpi=(300, 300))
    result = _station(
        "preprocess", "--json", "--out", str(tmp_path / "out"), str(sideways)
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["orientation"] == 270
    assert record["orientation_confident"] is True
    with Image.open(tmp_path / "out" / "sideways.png") as cleaned:
        assert cleaned.height > cleaned.width, "the cleaned page is upright again"


def test_preprocess_keeps_going_past_odd_inputs(tmp_path: Path) -> None:
    """A tiny page claiming 2400 dpi, a folder, and two pages of one name."""
    tiny = tmp_path / "tiny.png"
    Image.new("L", (8, 8), 255).save(tiny, dpi=(2400, 2400))
    other = tmp_path / "other"
    other.mkdir()
    (other / "deskew-2.png").write_bytes(sample("deskew-2.png").read_bytes())
    out = tmp_path / "out"

    result = _station(
        "preprocess",
        "--json",
        "--out",
        str(out),
        str(tiny),
        str(other),
        str(sample("deskew-2.png")),
        str(other / "deskew-2.png"),
    )

    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 2, result.stderr
    assert len(records) == 4, result.stderr
    assert records[0]["blank"] is True, "eight white pixels are a blank page"
    assert "not a regular file" in records[1]["error"]
    outputs = {records[2]["output"], records[3]["output"]}
    assert {Path(o).name for o in outputs} == {"deskew-2.png", "deskew-2-2.png"}


def test_preprocess_output_folder_that_cannot_be_made_is_a_usage_error(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "file"
    plain.write_text("x")

    result = _station(
        "preprocess", "--out", str(plain / "out"), str(sample("deskew-2.png"))
    )

    assert result.returncode == 2
    assert "cannot make the folder" in result.stderr
    assert "Traceback" not in result.stderr
