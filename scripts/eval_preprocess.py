"""Measure the page cleaner against the corpus and the hard field cases.

Usage::

    .venv/bin/python scripts/eval_preprocess.py [--manifest PATH/MANIFEST.tsv]

Without a manifest only the generated hard cases are run. With one, every page it
lists is cleaned as it is and, when its skew was measured reliably, turned by known
angles; angle errors are reported per class (median, 95th percentile, maximum),
border decisions per documented border kind, and blankness as a confusion matrix.
The hard cases are drawn by the same code the tests use (``tests/preprocess``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station.preprocess import CleanResult, clean_page  # noqa: E402
from tests.preprocess import pages  # noqa: E402

TURNS_DEG = (0.5, -0.5, 2.0, -2.0, 7.0, -7.0)


@dataclass
class Scores:
    """Everything measured in one run, filled in as pages are cleaned."""

    errors: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    abstained: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    confusion: dict[tuple[bool, bool], list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    borders: dict[str, list[int]] = field(default_factory=dict)
    timings: list[float] = field(default_factory=list)
    worst: list[tuple[float, str]] = field(default_factory=list)

    def angle(self, label: str, truth: float, result: CleanResult, page: str) -> None:
        """Record the angle error of a result, or that it abstained."""
        if not result.skew_confident:
            self.abstained[label] += 1
            return
        error = abs(result.skew_deg - truth)
        self.errors[label].append(error)
        self.worst.append((error, f"{page}: {result.skew_deg:.3f} for {truth:.3f}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, help="corpus MANIFEST.tsv")
    parser.add_argument("--no-turns", action="store_true", help="skip known rotations")
    args = parser.parse_args()

    scores = Scores()
    if args.manifest:
        rows = _read_manifest(args.manifest)
        _corpus(rows, args.manifest.parent, not args.no_turns, scores)
    failures = _hard_cases(scores)

    _print_angles(scores)
    _print_worst(scores)
    _print_borders(scores)
    _print_confusion(scores)
    if scores.timings:
        times = np.array(scores.timings)
        print(
            f"\nclean_page on corpus pages: median {np.median(times):.0f} ms, "
            f"p95 {np.percentile(times, 95):.0f} ms (n={times.size})"
        )
    print(f"\nhard cases failed: {len(failures)} {' '.join(failures)}")
    return 1 if failures else 0


def _read_manifest(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _dpi(text: str) -> float:
    """The manifest's dpi column: a number, ``~N (…)`` or ``unknown`` (taken as 300)."""
    match = re.match(r"~?\s*(\d+)", text)
    return float(match.group(1)) if match else 300.0


def _load(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        mode = "RGB" if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr") else "L"
        return np.asarray(image.convert(mode))


def _corpus(
    rows: list[dict[str, str]], base: Path, turns: bool, scores: Scores
) -> None:
    print(
        f"{'page':48s} {'dpi':>4s} {'truth':>7s} {'got':>7s} {'why':16s} "
        f"{'border':8s} {'crop':24s} {'blank':9s} {'ms':>5s}"
    )
    for row in rows:
        name, dpi = row["path"], _dpi(row["dpi"])
        page = _load(base / name)
        result = clean_page(page, dpi)
        print(_page_line(row, page, dpi, _truth(row), result))

        scores.timings.append(result.ms)
        truth = _truth(row)
        kind = "control" if row["split"] == "control" else "real"
        if truth is not None:
            scores.angle(f"{kind} as scanned", truth, result, name)
        scores.confusion[(row["is_blank"] == "yes", result.blank)].append(name)
        trimmed = result.crop != (0, 0, page.shape[1], page.shape[0])
        tally = scores.borders.setdefault(row["has_black_border"], [0, 0])
        tally[0] += int(trimmed)
        tally[1] += 1
        if turns and truth is not None and kind == "real":
            _turned(page, dpi, truth, scores, name)


def _page_line(
    row: dict[str, str],
    page: np.ndarray,
    dpi: float,
    truth: float | None,
    result: CleanResult,
) -> str:
    """One line per corpus page: what the manifest says beside what was found.

    ``>cut`` follows the border kind when something was trimmed, ``>B`` follows the
    blank kind when the page was judged blank.
    """
    trimmed = result.crop != (0, 0, page.shape[1], page.shape[0])
    border = row["has_black_border"] + (">cut" if trimmed else "")
    blank = row["is_blank"] + (">B" if result.blank else "")
    return (
        f"{row['path'][-48:]:48s} {dpi:4.0f} {_fmt(truth):>7s} "
        f"{result.skew_deg:7.2f} {result.skew_reason[:16]:16s} {border:8s} "
        f"{result.crop!s:24s} {blank:9s} {result.ms:5.0f}"
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _truth(row: dict[str, str]) -> float | None:
    if row["skew_measure_check"] != "ok":
        return None
    try:
        return float(row["skew_deg_measured"])
    except ValueError:
        return None


def _turned(
    page: np.ndarray, dpi: float, truth: float, scores: Scores, name: str
) -> None:
    fill = (255, 255, 255) if page.ndim == 3 else 255
    for turn in TURNS_DEG:
        result = clean_page(pages.rotate(page, turn, fill=fill), dpi)
        label = f"real turned {abs(turn):g}°"
        scores.angle(label, truth + turn, result, f"{name} {turn:+g}°")


def _hard_cases(scores: Scores) -> list[str]:
    """Run the field cases C01-C08; return the names of those that failed."""
    failures = []
    print("\nhard cases")
    for name, build, dpi, check in _CASES:
        page = build()
        result = clean_page(page, dpi)
        ok, note = check(page, result)
        print(f"  {name:44s} {'ok  ' if ok else 'FAIL'} {note}")
        if not ok:
            failures.append(name.split()[0])
        if note.startswith("want "):
            truth = note.startswith("want blank")
            scores.confusion[(truth, result.blank)].append(name)

    for columns, size in ((1, 12.0), (2, 10.5)):
        for turn in (0.02, 0.3, -1.0, 3.0, -7.0):
            page = pages.rotate(pages.text_page(columns=columns, size_pt=size), turn)
            label = f"generated {columns}-column"
            scores.angle(label, turn, clean_page(page, 300), f"{label} {turn:+g}°")
    return failures


def _blank_case(
    expected: bool,
) -> Callable[[np.ndarray, CleanResult], tuple[bool, str]]:
    def check(_: np.ndarray, result: CleanResult) -> tuple[bool, str]:
        want = "blank" if expected else "content"
        return result.blank == expected, f"want {want}; score {result.blank_score:.6f}"

    return check


def _frame_case(dpi: float) -> Callable[[np.ndarray, CleanResult], tuple[bool, str]]:
    def check(page: np.ndarray, result: CleanResult) -> tuple[bool, str]:
        x, y, w, h = result.crop
        frame = pages.px(5.0, dpi)
        sides = (x, y, page.shape[1] - x - w, page.shape[0] - y - h)
        ok = all(frame <= s <= frame + pages.px(1.5, dpi) for s in sides)
        return ok and not result.blank, f"crop {result.crop}, sides {sides}"

    return check


def _toc_check(page: np.ndarray, result: CleanResult) -> tuple[bool, str]:
    full = (0, 0, page.shape[1], page.shape[0])
    return result.crop == full and not result.blank, f"crop {result.crop}"


def _straight_check(
    turn: float,
) -> Callable[[np.ndarray, CleanResult], tuple[bool, str]]:
    def check(_: np.ndarray, result: CleanResult) -> tuple[bool, str]:
        if turn < 0.1:
            ok = abs(result.skew_deg) < 0.1
        else:
            ok = result.skew_confident and abs(result.skew_deg - turn) <= 0.1
        return ok, f"skew {result.skew_deg:.3f} ({result.skew_reason})"

    return check


def _no_rotation_check(page: np.ndarray, result: CleanResult) -> tuple[bool, str]:
    ok = not result.skew_confident and result.blank
    return (
        ok,
        f"skew {result.skew_deg:.2f} ({result.skew_reason}), blank {result.blank}",
    )


def _lying_frame_check(page: np.ndarray, result: CleanResult) -> tuple[bool, str]:
    ok = (not result.skew_confident and result.skew_deg == 0.0) or (
        result.skew_confident and abs(result.skew_deg - 2.0) <= 0.15
    )
    return ok, f"skew {result.skew_deg:.3f} ({result.skew_reason})"


def _framed(dpi: float) -> np.ndarray:
    plain, _ = pages.words_page(dpi, ("原告", "被告", "第三人"))
    return pages.framed(plain, dpi, 5.0)


def _two_column(turn: float) -> np.ndarray:
    return pages.rotate(pages.text_page(columns=2, size_pt=10.5), turn)


_CASES: list[
    tuple[
        str,
        Callable[[], np.ndarray],
        float,
        Callable[[np.ndarray, CleanResult], tuple[bool, str]],
    ]
] = [
    ("C01a lone page number", pages.page_number_page, 300, _blank_case(False)),
    (
        "C01b faint pencil signature",
        pages.pencil_signature_page,
        300,
        _blank_case(False),
    ),
    ("C01c punch holes and staple shadow", pages.punched_page, 300, _blank_case(True)),
    ("C01d recycled paper grain", pages.recycled_page, 300, _blank_case(True)),
    (
        "C02 show-through 8% at 150 dpi",
        lambda: pages.show_through_page(150, 0.08),
        150,
        _blank_case(True),
    ),
    (
        "C02 show-through 12% at 150 dpi",
        lambda: pages.show_through_page(150, 0.12),
        150,
        _blank_case(True),
    ),
    (
        "C02 show-through 12% at 300 dpi",
        lambda: pages.show_through_page(300, 0.12),
        300,
        _blank_case(True),
    ),
    ("C03 white with dust specks", pages.specks_page, 300, _blank_case(True)),
    (
        "C03 fully white",
        lambda: np.full((3508, 2480), 250, np.uint8),
        300,
        _blank_case(True),
    ),
    (
        "C04 frame around three words, 300 dpi",
        lambda: _framed(300),
        300,
        _frame_case(300),
    ),
    (
        "C04 frame around three words, 600 dpi",
        lambda: _framed(600),
        600,
        _frame_case(600),
    ),
    (
        "C05 number column 5 cm from entries",
        lambda: pages.toc_page()[0],
        300,
        _toc_check,
    ),
    ("C06 two columns at 0.02°", lambda: _two_column(0.02), 300, _straight_check(0.02)),
    ("C06 two columns at 0.5°", lambda: _two_column(0.5), 300, _straight_check(0.5)),
    (
        "C07 tilted blank paper in grey border",
        pages.tilted_blank_in_border,
        300,
        _no_rotation_check,
    ),
    (
        "C08 table at 2° in a straight frame",
        pages.lying_frame_page,
        300,
        _lying_frame_check,
    ),
    ("seal alone, red on white", pages.seal_page, 300, _blank_case(False)),
]


def _print_angles(scores: Scores) -> None:
    print(
        f"\n{'angle error by class (deg)':32s} {'n':>4s} {'median':>7s} "
        f"{'p95':>7s} {'max':>7s} {'abstained':>9s}"
    )
    labels = set(scores.errors) | set(scores.abstained)
    for label in sorted(labels, key=_class_order):
        values = np.array(scores.errors.get(label, []))
        if values.size:
            stats = (np.median(values), np.percentile(values, 95), values.max())
            text = " ".join(f"{v:7.3f}" for v in stats)
        else:
            text = f"{'-':>7s} {'-':>7s} {'-':>7s}"
        print(f"{label:32s} {values.size:4d} {text} {scores.abstained[label]:9d}")


def _class_order(label: str) -> tuple[str, float]:
    match = re.search(r"(\d+(\.\d+)?)°", label)
    return (label.split(" ", maxsplit=1)[0], float(match.group(1)) if match else 0.0)


def _print_worst(scores: Scores) -> None:
    print("\nlargest angle errors")
    for error, text in sorted(scores.worst, reverse=True)[:8]:
        print(f"  {error:6.3f}  {text}")


def _print_borders(scores: Scores) -> None:
    if not scores.borders:
        return
    print("\nborder (manifest kind: pages trimmed / pages)")
    for kind, (trimmed, total) in sorted(scores.borders.items()):
        print(f"  {kind:6s} {trimmed:3d} / {total}")


def _print_confusion(scores: Scores) -> None:
    confusion = scores.confusion
    print("\nblank confusion (rows: truth, columns: verdict)")
    print(f"{'':14s} {'blank':>6s} {'content':>8s}")
    for truth in (True, False):
        label = "truly blank" if truth else "has content"
        row = [len(confusion[(truth, verdict)]) for verdict in (True, False)]
        print(f"{label:14s} {row[0]:6d} {row[1]:8d}")
    for (truth, verdict), names in sorted(confusion.items()):
        if truth != verdict and names:
            kind = "blank called content" if truth else "content called blank"
            print(f"  wrong ({kind}): {', '.join(names)}")


if __name__ == "__main__":
    sys.exit(main())
