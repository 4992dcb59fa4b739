"""Command-line tools for case numbers and classification, one JSON object a line.

``station case parse TEXT...`` checks case numbers as an operator would type them;
``station classify FILE...`` files OCR text or page images under catalog items. Both
print JSON Lines so that a shell loop or a test can read them without scraping.

Page images given to ``classify`` are read with the station's own OCR
(``station.ocr``), the engine and settings the daemon uses, so that what this
command says is what the daemon will do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from station._errors import StationError
from station._imageio import decode_image
from station.documents._caseno import DEFAULT_COURT, parse_case_number
from station.documents._catalog import load_catalog
from station.documents._classify import Classifier

#: Suffixes read as OCR text; anything else is decoded as a page image.
_TEXT_SUFFIXES = (".txt",)
#: Tesseract's automatic page segmentation, as scripts/eval_classify.py uses it.
#: Resolution pages are brought down to before OCR, and the A4 width used to guess
#: the resolution of a file that does not declare one.
_OCR_DPI = 150
_A4_WIDTH_IN = 210 / 25.4


@click.group(name="case")
def case_cli() -> None:
    """Work with case numbers (案号)."""


@case_cli.command(name="parse")
@click.argument("texts", nargs=-1, required=True)
@click.option("--court", default=DEFAULT_COURT, show_default=True, help="Own court.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date a future year is judged against (default: today).",
)
def parse_command(
    texts: tuple[str, ...], court: str, today: dt.datetime | None
) -> None:
    """Parse each TEXT and print one JSON object per input.

    The exit status is 0 even for invalid numbers: each line says so in 'valid'.
    """
    day = today.date() if today else None
    for text in texts:
        case = parse_case_number(text, own_court=court, today=day)
        click.echo(json.dumps(case.as_dict(), ensure_ascii=False))


@click.command(name="classify")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Catalog JSON to use instead of the shipped proposal.",
)
@click.option("--threshold", type=float, default=0.5, show_default=True)
def classify_cli(
    files: tuple[Path, ...], catalog_path: Path | None, threshold: float
) -> None:
    """Print the catalog item of each FILE (OCR .txt or a page image), as JSON.

    Each file is one document; in a .txt file a form feed separates pages.
    """
    try:
        classifier = Classifier(load_catalog(catalog_path), threshold=threshold)
        for path in files:
            result = classifier.classify(_pages_of(path))
            item = result.item
            line = {
                "file": str(path),
                "code": item.code if item else None,
                "name": item.name_zh if item else None,
                "volume": item.volume.value if item else None,
                "confidence": result.confidence,
                "review": result.needs_review,
                "basis": result.basis.value,
                "title": result.title,
            }
            click.echo(json.dumps(line, ensure_ascii=False))
    except StationError as exc:
        raise click.ClickException(exc.message) from exc


def _pages_of(path: Path) -> list[str]:
    if path.suffix.lower() in _TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8").split("\f")
    from station.ocr import engine_for

    page = decode_image(path)
    return [engine_for("chi_sim+eng").recognise(page.pixels, page.dpi or 300.0).text]
