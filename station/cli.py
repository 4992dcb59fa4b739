"""The ``station`` command: run the daemon, scan, clean, receive, demo."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import tomllib
from pathlib import Path
from typing import Any

import click

from station._config import Config, load_config
from station._errors import StationError

log = logging.getLogger("station")


def _setup_logging(level: str) -> None:
    # Under systemd, journald stamps each line itself.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if "JOURNAL_STREAM" not in os.environ:
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=level.upper(), format=fmt, stream=sys.stderr)
    logging.getLogger("PIL").setLevel(logging.WARNING)


def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise click.BadParameter(
                f"{item!r} is not section.key=value", param_hint="--set"
            )
        try:
            overrides[key] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            overrides[key] = raw
    return overrides


class _Context:
    def __init__(self, config_path: Path | None, sets: dict[str, Any]) -> None:
        self.config_path = config_path
        self.sets = sets

    def config(self, **more: Any) -> Config:
        return load_config(self.config_path, {**self.sets, **more})


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Site settings file (TOML).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Override one setting; repeatable.",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.version_option(package_name="station")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, sets: tuple[str, ...], log_level: str
) -> None:
    """Scanner station: capture, clean, recognise and deliver court documents."""
    _setup_logging(log_level)
    ctx.obj = _Context(config_path, _parse_sets(sets))


@cli.command()
@click.option(
    "--inbox",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also take page images dropped in this folder.",
)
@click.pass_obj
def run(obj: _Context, inbox: Path | None) -> None:
    """Run the daemon: process captured pages and deliver documents until stopped."""
    from station._station import Station
    from station.capture import FolderSource

    station = Station(obj.config())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    station.open()
    watcher = FolderSource(inbox) if inbox else None
    try:
        if watcher is not None:
            inbox_thread = threading.Thread(
                target=_watch_inbox, args=(watcher, station.config, stop), daemon=True
            )
            inbox_thread.start()
        station.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        station.close()


def _watch_inbox(watcher: Any, config: Config, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            watcher.take(config)
        except StationError as exc:
            log.error("inbox: %s", exc.message)
        stop.wait(1.0)


@cli.command()
@click.option("--device", help="SANE device, e.g. 'fujitsu:fi-7160:1234' or 'pnm:0'.")
@click.option(
    "--feed",
    "feed",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Page images to load into SANE's pnm backend (files or folders).",
)
@click.option(
    "--process/--no-process",
    default=True,
    show_default=True,
    help="Also clean, OCR and deliver the batch before returning.",
)
@click.option(
    "--continue",
    "continue_batch",
    metavar="BATCH",
    help="Add the pages to this partial batch (after a jam was cleared).",
)
@click.option("--timeout", default=1800.0, show_default=True, help="Seconds to wait.")
@click.pass_obj
def scan(
    obj: _Context,
    device: str | None,
    feed: tuple[Path, ...],
    process: bool,
    continue_batch: str | None,
    timeout: float,
) -> None:
    """Scan one batch until the feeder is empty.

    When the daemon runs on the same data directory, the pages are only captured
    here and the daemon cleans, recognises and delivers them.
    """
    from station._demo import scan_batch

    config = obj.config(**({"capture.device": device} if device else {}))
    result = scan_batch(
        config,
        _expand(feed),
        process=process,
        timeout_s=timeout,
        continue_batch=continue_batch,
    )
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    from station.capture._folder import IMAGE_SUFFIXES

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            files.append(path)
    return files


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write the cleaned pages here.",
)
@click.option(
    "--dpi",
    type=click.FloatRange(min=1.0, max=4800.0),
    help="Resolution when the file does not say (72 and 96 dpi count as unsaid).",
)
@click.pass_obj
def preprocess(
    obj: _Context,
    files: tuple[Path, ...],
    as_json: bool,
    out: Path | None,
    dpi: float | None,
) -> None:
    """Straighten, trim and check page images for blankness."""
    from station._commands import preprocess_files

    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.UsageError(
                f"--out {out}: cannot make the folder: {exc}"
            ) from exc
    failed = 0
    for record in preprocess_files(list(files), out, dpi, obj.config()):
        failed += "error" in record
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(_describe(record))
    sys.exit(2 if failed else 0)


def _describe(record: dict[str, Any]) -> str:
    if "error" in record:
        return f"{record['input']}: ERROR {record['error']}"
    return (
        f"{record['input']}: skew {record['skew_deg']:+.2f}° "
        f"({'sure' if record['skew_confident'] else 'unsure'}), crop {record['crop']}, "
        f"{'BLANK' if record['blank'] else 'content'}, {record['dpi']} dpi "
        f"({record['dpi_source']}), {_turn(record)}, {record['ms']:.0f} ms"
    )


def _turn(record: dict[str, Any]) -> str:
    if record["blank"]:
        return "not turned (blank)"
    if not record["orientation_confident"]:
        return f"not turned, flagged ({record['orientation_reason']})"
    return f"turned {record['orientation']}° (by the {record['orientation_by']})"


@cli.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder where received documents are stored.",
)
@click.pass_obj
def receive(obj: _Context, out: Path) -> None:
    """Run the reference register: store and acknowledge delivered documents."""
    from station.publish import Receiver

    receiver = Receiver(obj.config().mqtt, out)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        receiver.run(stop)
    except KeyboardInterrupt:
        stop.set()


@cli.command()
@click.option(
    "--out",
    default=Path("demo-out"),
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the demo keeps its data, register and broker.",
)
@click.option(
    "--pages",
    type=click.Path(path_type=Path, exists=True),
    help="Folder of page images to feed (default: the shipped samples).",
)
@click.option("--keep-running", is_flag=True, help="Keep serving after the batch.")
@click.pass_obj
def demo(obj: _Context, out: Path, pages: Path | None, keep_running: bool) -> None:
    """Scan the sample pages through SANE and deliver them to a local register."""
    from station._demo import run_demo

    summary = run_demo(out, pages, obj.sets, keep_running=keep_running)
    click.echo(summary)


@cli.command()
@click.argument("batch_id")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the receipt PDF.",
)
@click.pass_obj
def receipt(obj: _Context, batch_id: str, out: Path) -> None:
    """Print the receipt of a batch for the person who handed in the paper."""
    from station._commands import batch_receipt
    from station._imageio import write_durably
    from station.documents import receipt_lines, render_receipt

    data = batch_receipt(obj.config(), batch_id)
    write_durably(out, render_receipt(data))
    click.echo("\n".join(receipt_lines(data)))


@cli.command()
@click.option(
    "--case", "case_number", required=True, help="案号, e.g. （2026）豫1330执1234号"
)
@click.option("--item", required=True, help="Catalog item code, e.g. Z12.")
@click.option(
    "--pages",
    required=True,
    type=click.IntRange(min=1),
    help="Pages with content the document should have.",
)
@click.option("--submission", required=True, help="The submission's id.")
@click.option("--node", default=None, help="Enforcement node, e.g. 线下查封.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def cover(
    obj: _Context,
    case_number: str,
    item: str,
    pages: int,
    submission: str,
    node: str | None,
    out: Path,
) -> None:
    """Print a cover sheet (separator page) that starts a document in a batch."""
    from station._imageio import write_durably
    from station.documents import CoverSheet, Node, load_catalog, render_cover_sheet

    config = obj.config()
    catalog = load_catalog(
        Path(config.documents.catalog) if config.documents.catalog else None
    )
    entry = catalog.item(item)
    try:
        node_value = Node(node) if node else entry.node
    except ValueError:
        raise click.BadParameter(
            f"{node!r} is not one of {', '.join(n.value for n in Node)}",
            param_hint="--node",
        ) from None
    info = CoverSheet(
        case_number, entry.code, node_value, pages, submission, item_name=entry.name_zh
    )
    write_durably(out, render_cover_sheet(info, own_court=config.documents.own_court))
    click.echo(f"cover sheet for {case_number} {entry.code} written to {out}")


@cli.command()
def devices() -> None:
    """List the scanners SANE can see."""
    from station.capture import list_devices

    found = list_devices()
    if not found:
        click.echo("SANE sees no scanner: check the cable, power and sane-find-scanner")
        sys.exit(3)
    for name, vendor, model, kind in found:
        click.echo(f"{name}\t{vendor} {model} ({kind})")


@cli.group()
def batch() -> None:
    """Act on a batch."""


@batch.command("close")
@click.argument("batch_id")
@click.pass_obj
def batch_close(obj: _Context, batch_id: str) -> None:
    """Accept a partial batch as it is so that its documents are built."""
    from station.capture import close_partial_batch
    from station.queue import open_database

    open_database(obj.config().db_path)
    result = close_partial_batch(batch_id)
    click.echo(result.message)


@cli.command()
@click.pass_obj
def status(obj: _Context) -> None:
    """Show batches, pages and documents by state."""
    from station._commands import status_report

    click.echo(json.dumps(status_report(obj.config()), ensure_ascii=False, indent=2))


def _register_documents() -> None:
    try:
        from station.documents import case_cli, classify_cli
    except ImportError:  # the documents package is optional in a minimal build
        return
    cli.add_command(case_cli, "case")
    cli.add_command(classify_cli, "classify")
    from station.ocr import ocr_cli

    cli.add_command(ocr_cli, "ocr")


_register_documents()


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except StationError as exc:
        log.error("%s", exc.message)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.exit(130)


if __name__ == "__main__":
    main()
