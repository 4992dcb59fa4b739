from __future__ import annotations

import os
import shutil
from pathlib import Path

from station._config import Config
from station.capture import FolderSource
from station.queue import Page
from tests.conftest import sample


def test_file_still_being_written_is_not_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    growing = inbox / "page.png"
    growing.write_bytes(b"\x89PNG partial")
    source = FolderSource(inbox, settle_s=2.0)

    assert source.settled_files(now=100.0) == []
    with open(growing, "ab") as fh:  # the scanner writes more
        fh.write(b"more bytes")
    os.utime(growing, ns=(1, 1))
    assert source.settled_files(now=101.5) == []
    assert source.settled_files(now=102.0) == []
    assert source.settled_files(now=103.6) == [growing]


def test_temporary_and_hidden_names_are_ignored(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("scan.png.tmp", ".scan.png", "scan.part", "notes.txt"):
        (inbox / name).write_bytes(b"x")
    source = FolderSource(inbox, settle_s=0.0)
    source.settled_files(now=1.0)
    assert source.settled_files(now=5.0) == []


def test_settled_files_become_one_batch_and_leave_the_inbox(
    db: Config, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("epson.png", "kcs.png"):
        shutil.copy(sample(name), inbox / name)
    source = FolderSource(inbox, settle_s=0.0)
    source.settled_files()

    result = source.take(db)

    assert result is not None and result.pages == 2
    assert list(inbox.iterdir()) == []
    stored = [
        Path(p.raw_path).read_bytes() for p in Page.select().order_by(Page.page_no)
    ]
    assert stored == [sample("epson.png").read_bytes(), sample("kcs.png").read_bytes()]


def test_links_are_not_followed_and_empty_files_are_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.png").symlink_to(sample("kcs.png"))
    (inbox / "empty.png").write_bytes(b"")
    source = FolderSource(inbox, settle_s=0.0)
    source.settled_files(now=1.0)
    assert source.settled_files(now=2.0) == [inbox / "empty.png"]
