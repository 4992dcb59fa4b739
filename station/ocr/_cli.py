"""``station ocr FILE...``: read page images as the station would, outside a batch.

Each file is one page. ``--json`` prints one JSON object per page (JSON Lines) so a
shell loop or a test can read it; ``--pdf OUT`` writes one searchable PDF/A-2b of
the pages in the order given. Pages are read in worker processes with ``--jobs``.
"""

from __future__ import annotations

import io
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click
from PIL import Image

from station._imageio import DEFAULT_MAX_PIXELS, decode_image, encode_png
from station.ocr._pdf import merge_pdf_bytes
from station.ocr._recognise import EngineChoice, OcrPage, recognise_page

#: Files without a believable resolution are read as scanned at this many dpi.
DEFAULT_DPI = 300.0
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class _Job:
    path: Path
    languages: str
    engine: str
    dpi: float | None
    timeout_s: int


def _read(job: _Job) -> OcrPage:
    """Decode, recognise and lay out one file; runs in a worker process."""
    raw = job.path.read_bytes()
    decoded = decode_image(raw, DEFAULT_MAX_PIXELS, job.path.name)
    dpi = job.dpi or decoded.dpi or DEFAULT_DPI
    with Image.open(io.BytesIO(raw)) as image:
        # A JPEG goes into the PDF unchanged, unless an EXIF orientation would
        # turn it under the text layer; anything else goes in losslessly as PNG.
        upright = image.getexif().get(_EXIF_ORIENTATION, 1) == 1
        keep = image.format == "JPEG" and image.mode in ("L", "RGB") and upright
    data = raw if keep else encode_png(decoded.pixels, dpi)
    return recognise_page(
        decoded.pixels, data, dpi, job.languages, job.timeout_s, job.engine
    )


@click.command(name="ocr")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False)
)
@click.option(
    "--lang",
    "languages",
    default="chi_sim+eng",
    show_default=True,
    help="Tesseract language codes; with chi_sim, auto reads with PP-OCR.",
)
@click.option(
    "--engine",
    type=click.Choice([e.value for e in EngineChoice]),
    default=EngineChoice.AUTO.value,
    show_default=True,
)
@click.option(
    "--dpi",
    type=float,
    default=None,
    help="Resolution of the files if their headers are wrong or missing.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page.")
@click.option(
    "--pdf",
    "pdf_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write one searchable PDF/A of all pages here.",
)
@click.option(
    "--jobs",
    type=int,
    default=1,
    show_default=True,
    help="Worker processes; one per core is fastest.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=int,
    default=180,
    show_default=True,
    help="Seconds Tesseract may take on one page.",
)
def ocr_cli(
    files: tuple[str, ...],
    languages: str,
    engine: str,
    dpi: float | None,
    as_json: bool,
    pdf_out: Path | None,
    jobs: int,
    timeout_s: int,
) -> None:
    """Recognise page images and print their text or write a searchable PDF."""
    job_list = [_Job(Path(f), languages, engine, dpi, timeout_s) for f in files]
    started = time.perf_counter()
    if jobs > 1 and len(job_list) > 1:
        # The daemon's own worker set-up; imported here, as station._worker imports
        # this package.
        from station._worker import init_worker

        with ProcessPoolExecutor(jobs, initializer=init_worker) as pool:
            pages = list(pool.map(_read, job_list))
    else:
        pages = [_read(job) for job in job_list]
    for job, page in zip(job_list, pages, strict=True):
        _print(job.path, page, as_json)
    if pdf_out is not None:
        pdf_out.write_bytes(merge_pdf_bytes([page.pdf for page in pages]))
    if not as_json:
        elapsed = time.perf_counter() - started
        click.echo(f"{len(pages)} page(s) in {elapsed:.1f} s", err=True)


def _print(path: Path, page: OcrPage, as_json: bool) -> None:
    if as_json:
        record = {
            "input": str(path),
            "engine": page.engine,
            "text": page.text,
            "mean_confidence": page.mean_confidence,
            "ms": round(page.ms, 1),
        }
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        click.echo(f"== {path} ({page.engine}, {page.ms / 1000:.1f} s)")
        click.echo(page.text)
