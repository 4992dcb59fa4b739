"""The one seam to PP-OCRv4, run by onnxruntime from the models in rapidocr's wheel.

Only the three model files of ``rapidocr-onnxruntime`` are used: detection (DB) and
recognition (CTC) are driven here, so the station decides what it pays for on its
two cores. Detection runs on the page shrunk to about 1.5 megapixels (an A4 page
at 300 dpi to 40 %, where 8 pt print is 14 pixels tall), and again larger when
most lines found are smaller. One megapixel read court pages as well and 20 %
faster, but merged the lines of neighbouring columns across a magazine's narrow
gutter (53 % errors against 7 % on that page; ``scripts/eval_ocr.py``).
Recognition reads every line from the full-resolution page, brought to the model's
48-pixel height, lines of similar length batched together so that little padding
is computed. The orientation classifier is not run: pages are turned upright
before OCR.

Nothing is downloaded: the models are files in the installed package.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from station.ocr._model import (
    Box,
    OcrLine,
    OcrResult,
    OcrWord,
    is_cjk,
    reading_order,
    tidy,
)
from station.ocr._prepare import Tile, bands, ocr_grey
from station.ocr._tesseract import OcrError

log = logging.getLogger(__name__)

_PACKAGE = "rapidocr_onnxruntime"
DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
REC_HEIGHT = 48
#: The recogniser's output has one column per 8 input pixels.
REC_STRIDE = 8


@dataclass(frozen=True)
class RapidSettings:
    """How much work detection and recognition do; defaults measured on court pages.

    ``det_megapixels`` bounds the image detection sees. ``min_glyph_px`` and
    ``max_glyph_px`` are the line heights (in detection pixels) trusted at that
    scale: when the median line found is outside them, detection runs again at
    the scale that brings it inside. ``threads`` is onnxruntime's intra-op
    thread count: one per worker process, since the station runs one worker per
    core and two thread pools per core only wait on each other.
    """

    det_megapixels: float = 1.5
    min_glyph_px: float = 14.0
    max_glyph_px: float = 120.0
    #: Lines read per run of the recogniser. Every line of a run is padded to the
    #: widest, and on one core the padding costs more than batching saves:
    #: ``scripts/eval_ocr.py`` read the court pages in 1.60 s a page with 4 and
    #: 2.85 s with 16, character error 0.14 % against 0.06 % (a few characters).
    rec_batch: int = 4
    threads: int = 1
    box_threshold: float = 0.5
    min_confidence: float = 50.0


@dataclass(frozen=True)
class Quad:
    """A detected line: four corners (tl, tr, br, bl) in page pixels.

    ``score`` is DB's mean probability over the line's core, 0-1: how sure the
    detector is that this is text.
    """

    points: np.ndarray
    score: float = 1.0


def model_dir() -> Path:
    """Where the installed rapidocr-onnxruntime keeps its model files."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise OcrError(
            "PP-OCR models are missing: install rapidocr-onnxruntime, or set "
            "ocr.engine to tesseract"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class RapidEngine:
    """PP-OCRv4 detection and recognition for Chinese pages with Latin and digits."""

    def __init__(self, settings: RapidSettings | None = None) -> None:
        self.settings = settings or RapidSettings()
        self._det = _session(model_dir() / DET_MODEL, self.settings.threads)
        self._rec = _session(model_dir() / REC_MODEL, self.settings.threads)
        meta = self._rec.get_modelmeta().custom_metadata_map
        # The recogniser's alphabet is stored in the model; index 0 is CTC's blank
        # and the last class a space (PaddleOCR's use_space_char).
        self._alphabet = ["", *meta["character"].splitlines(), " "]

    @property
    def name(self) -> str:
        return "rapidocr PP-OCRv4"

    def recognise(self, image: np.ndarray, dpi: float) -> OcrResult:
        """Read every line of ``image``; ``dpi`` is unused by this engine."""
        started = time.perf_counter()
        grey = ocr_grey(image)
        quads = []
        for tile in bands(*grey.shape[:2]):
            quads.extend(self._detect_tile(grey, tile))
        lines = self._read_lines(grey, _dedupe(quads))
        return OcrResult(
            lines=reading_order(lines),
            width=int(image.shape[1]),
            height=int(image.shape[0]),
            engine=self.name,
            ms=(time.perf_counter() - started) * 1000.0,
        )

    def detect_lines(self, grey: np.ndarray, scale: float) -> list[Quad]:
        """Text lines DB finds in ``grey`` shrunk by ``scale``, in ``grey``'s pixels.

        One detection pass, without the second pass at a better scale that
        ``recognise`` makes: for callers that choose their own scale.
        """
        return self._detect(grey, scale)[0]

    def read_characters(self, crops: list[np.ndarray]) -> list[list[tuple[str, float]]]:
        """Read line images as one batch: each one's characters and probabilities.

        The recogniser's greedy reading without spaces restored or text tidied,
        for callers that weigh its evidence rather than use its text. Lines of
        similar length batch best.
        """
        probs, widths, _ = self._run_recogniser(crops)
        return [
            [(char, p) for char, p, _ in self._greedy(probs[k, : -(-w // REC_STRIDE)])]
            for k, w in enumerate(widths)
        ]

    def _detect_tile(self, grey: np.ndarray, tile: Tile) -> list[Quad]:
        band = grey[tile.top : tile.bottom]
        height, width = band.shape
        scale = min(1.0, (self.settings.det_megapixels * 1e6 / (height * width)) ** 0.5)
        quads, glyph_px = self._detect(band, scale)
        better = self._rescale(scale, glyph_px) if quads else scale
        if better != scale:
            log.debug(
                "lines %.1f px tall at scale %.2f: detecting again at %.2f",
                glyph_px,
                scale,
                better,
            )
            quads, _ = self._detect(band, better)
        keep = []
        for quad in quads:
            ys = quad.points[:, 1]
            cut_top = tile.top > 0 and ys.min() <= 2
            cut_bottom = tile.bottom < grey.shape[0] and ys.max() >= height - 3
            if cut_top or cut_bottom:
                continue  # the neighbouring band holds this line whole
            quad.points[:, 1] += tile.top
            keep.append(quad)
        return keep

    def _rescale(self, scale: float, glyph_px: float) -> float:
        """The scale that brings the median line into the detector's range.

        Small print (8 pt at 200 dpi) is scaled up, to at most the page's own
        pixels; giant headings (a poster line at 600 dpi), which DB splits into
        single characters, are scaled down.
        """
        low, high = self.settings.min_glyph_px, self.settings.max_glyph_px
        if glyph_px < low and scale < 1.0:
            return min(1.0, scale * low * 1.3 / glyph_px)
        if glyph_px > high:
            return scale * high * 0.7 / glyph_px
        return scale

    def _detect(self, grey: np.ndarray, scale: float) -> tuple[list[Quad], float]:
        """Run DB detection at ``scale``; also return the median line height there."""
        height, width = grey.shape
        det_h = max(32, round(height * scale / 32) * 32)
        det_w = max(32, round(width * scale / 32) * 32)
        small = cv2.resize(grey, (det_w, det_h), interpolation=cv2.INTER_AREA)
        tensor = (small.astype(np.float32) / 127.5 - 1.0)[None, None]
        tensor = np.repeat(tensor, 3, axis=1)
        prob = self._det.run(None, {self._det.get_inputs()[0].name: tensor})[0][0, 0]
        quads, heights = _boxes_from_map(prob, self.settings.box_threshold)
        sx, sy = width / det_w, height / det_h
        for quad in quads:
            quad.points[:, 0] *= sx
            quad.points[:, 1] *= sy
        return quads, float(np.median(heights)) if heights else 0.0

    def _read_lines(self, grey: np.ndarray, quads: list[Quad]) -> list[OcrLine]:
        crops = [crop_line(grey, quad) for quad in quads]
        order = sorted(
            range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0]
        )
        lines: list[OcrLine | None] = [None] * len(crops)
        batch = self.settings.rec_batch
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            read = self._recognise([crops[i] for i in chunk], [quads[i] for i in chunk])
            for index, line in zip(chunk, read, strict=True):
                lines[index] = line
        return [
            line
            for line in lines
            if line is not None
            and line.text.strip()
            and line.confidence >= self.settings.min_confidence
        ]

    def _recognise(self, crops: list[np.ndarray], quads: list[Quad]) -> list[OcrLine]:
        """Recognise a batch of line images padded to the widest one."""
        probs, widths, resized = self._run_recogniser(crops)
        return [
            self._decode(probs[k], widths[k], quads[k], _blank_columns(resized[k]))
            for k in range(len(crops))
        ]

    def _run_recogniser(
        self, crops: list[np.ndarray]
    ) -> tuple[np.ndarray, list[int], list[np.ndarray]]:
        """Class probabilities of line images padded to the widest one.

        Also returns each line's width at the model's height, and the line
        images at that size.
        """
        widths = [max(1, round(c.shape[1] * REC_HEIGHT / c.shape[0])) for c in crops]
        batch_w = max(*widths, REC_HEIGHT * 320 // 48)
        tensor = np.zeros((len(crops), 3, REC_HEIGHT, batch_w), dtype=np.float32)
        resized_lines = []
        for k, (crop, w) in enumerate(zip(crops, widths, strict=True)):
            resized = cv2.resize(crop, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
            tensor[k, :, :, :w] = resized.astype(np.float32) / 127.5 - 1.0
            resized_lines.append(resized)
        probs = self._rec.run(None, {self._rec.get_inputs()[0].name: tensor})[0]
        return probs, widths, resized_lines

    def _decode(
        self, probs: np.ndarray, width_px: int, quad: Quad, blank: np.ndarray
    ) -> OcrLine:
        """Greedy CTC decoding, with each character's column kept for its box."""
        chars = _restore_spaces(self._greedy(probs), blank)
        box = _aabb(quad.points)
        text = tidy("".join(c for c, _, _ in chars)).strip()
        mean = 100.0 * float(np.mean([p for _, p, _ in chars])) if chars else 0.0
        words = _words(chars, box, width_px)
        return OcrLine(text=text, box=box, confidence=round(mean, 1), words=words)

    def _greedy(self, probs: np.ndarray) -> list[tuple[str, float, int]]:
        """Best class per column, repeats and blanks dropped: (char, prob, column)."""
        best = probs.argmax(axis=1)
        conf = probs.max(axis=1)
        chars: list[tuple[str, float, int]] = []
        previous = 0
        for step, index in enumerate(best):
            if index not in (previous, 0) and index < len(self._alphabet):
                chars.append((self._alphabet[index], float(conf[step]), step))
            previous = index
        return chars


#: A blank run at least this share of the line height between a Chinese character
#: and a Latin letter or digit is a typed space (about a third of an em; the side
#: bearings of two glyphs set solid leave under a fifth).
SPACE_SHARE = 0.3
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
#: Between two Latin letters the model usually emits the space itself; where it
#: does not, a blank of this share of the line height is one (a Latin space is a
#: quarter em, letters of one word stand less than a tenth apart). Digits are never
#: split: a proportional ``1`` has wide side bearings.
LATIN_SPACE_SHARE = 0.27


def _blank_columns(line: np.ndarray) -> np.ndarray:
    """Which columns of a 48-pixel line image hold no ink (darker than mid-grey)."""
    low, high = int(line.min()), int(line.max())
    if high - low < 40:
        return np.ones(line.shape[1], dtype=bool)
    return np.asarray((line < (low + high) / 2).sum(axis=0) == 0)


def _restore_spaces(
    chars: list[tuple[str, float, int]], blank: np.ndarray
) -> list[tuple[str, float, int]]:
    """Put back the spaces printed between Chinese and Latin words.

    PP-OCRv4 emits a space between two Latin words but drops the one between a
    Chinese character and a Latin word, so ``通过 email 送达`` comes out as
    ``通过email送达``. Where such a pair is separated in the image by a blank run
    wider than ``SPACE_SHARE`` of the line height, the space is put back.
    Punctuation is left alone: a full-width comma's blank half is not a space.
    """
    out = chars[:1]
    for here, after in itertools.pairwise(chars):
        out.append(after)
        a, b = here[0], after[0]
        if (_IDEOGRAPH.match(a) and _LATIN.match(b)) or (
            _LATIN.match(a) and _IDEOGRAPH.match(b)
        ):
            share = SPACE_SHARE
        elif _LETTER.match(a) and _LETTER.match(b):
            share = LATIN_SPACE_SHARE
        else:
            continue
        if _widest_gap(blank, here[2], after[2]) >= share * REC_HEIGHT:
            out.insert(len(out) - 1, (" ", here[1], here[2]))
    return out


def _widest_gap(blank: np.ndarray, first_step: int, second_step: int) -> int:
    """Longest blank run between the columns where two characters fired."""
    run = widest = 0
    for empty in blank[first_step * REC_STRIDE : (second_step + 1) * REC_STRIDE]:
        run = run + 1 if empty else 0
        widest = max(widest, run)
    return widest


class _Session(Protocol):
    """The part of ``onnxruntime.InferenceSession`` used here (it has no types)."""

    def run(self, outputs: None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]: ...

    def get_inputs(self) -> list[Any]: ...

    def get_modelmeta(self) -> Any: ...


def _session(path: Path, threads: int) -> _Session:
    """An onnxruntime session on the CPU with a fixed, non-spinning thread pool."""
    # Imported here: a station that reads only with Tesseract never loads it.
    import onnxruntime as ort  # type: ignore[import-untyped]

    if not path.is_file():
        raise OcrError(f"PP-OCR model {path.name} is missing: reinstall the station")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # The memory arena and memory patterns stay on: every page and line batch has
    # another shape, and without either onnxruntime 1.31 spends three to four times
    # as long per page allocating. The price is a worker of about 1 GB resident
    # once it has seen a few pages (measured on court pages), which then stays flat.
    # Idle threads that spin steal the core the other worker is using.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    provider = ("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})
    session: _Session = ort.InferenceSession(
        str(path), sess_options=options, providers=[provider]
    )
    return session


def _boxes_from_map(
    prob: np.ndarray, box_threshold: float
) -> tuple[list[Quad], list[float]]:
    """Text lines from DB's probability map, grown back to the ink they cover.

    DB marks a shrunk core of each line; a core of area A and perimeter L is grown
    by 1.6 A / L, the same ratio PaddleOCR uses.
    """
    mask = cv2.dilate((prob > 0.3).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    quads, heights = [], []
    for contour in contours[:2000]:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if min(w, h) < 3:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        core = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(core, [contour - (x, y)], -1, 1, thickness=-1)
        score = cv2.mean(prob[y : y + bh, x : x + bw], core)[0]
        if score < box_threshold:
            continue
        grow = 1.6 * w * h / (2 * (w + h))
        rect = ((cx, cy), (w + 2 * grow, h + 2 * grow), angle)
        if min(rect[1]) < 5:
            continue
        quads.append(Quad(_order(cv2.boxPoints(rect)), score))
        heights.append(min(rect[1]))
    return quads, heights


def _order(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    by_x = points[np.argsort(points[:, 0])]
    left = by_x[:2][np.argsort(by_x[:2, 1])]
    right = by_x[2:][np.argsort(by_x[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def _dedupe(quads: list[Quad]) -> list[Quad]:
    """Drop a line found twice where two bands overlap."""
    kept: list[Quad] = []
    for quad in quads:
        box = _aabb(quad.points)
        if not any(_iou(box, _aabb(other.points)) > 0.5 for other in kept):
            kept.append(quad)
    return kept


def _iou(a: Box, b: Box) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.width * a.height + b.width * b.height - inter)


def _aabb(points: np.ndarray) -> Box:
    return Box(
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def crop_line(grey: np.ndarray, quad: Quad) -> np.ndarray:
    """The line straightened out of the page; a tall narrow box is read sideways."""
    tl, tr, br, bl = quad.points
    width = max(1, round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = max(1, round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.points, target)
    crop = cv2.warpPerspective(
        grey,
        matrix,
        (width, height),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    if height >= 1.5 * width:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _words(
    chars: list[tuple[str, float, int]], box: Box, width_px: int
) -> tuple[OcrWord, ...]:
    """Split a line into words: each CJK character alone, Latin and digit runs whole.

    A character's horizontal extent is taken from the CTC columns where it fired,
    halfway to its neighbours; exact enough to select a word in the PDF.
    """
    if not chars:
        return ()
    scale = box.width / max(1, width_px)
    centres = [(step + 0.5) * REC_STRIDE * scale + box.x0 for _, _, step in chars]
    edges = [box.x0]
    edges.extend((a + b) / 2 for a, b in itertools.pairwise(centres))
    edges.append(box.x1)
    words: list[OcrWord] = []
    current: list[int] = []

    def flush() -> None:
        if current:
            text = "".join(chars[i][0] for i in current)
            conf = 100.0 * float(np.mean([chars[i][1] for i in current]))
            words.append(
                OcrWord(
                    text,
                    Box(edges[current[0]], box.y0, edges[current[-1] + 1], box.y1),
                    round(conf, 1),
                )
            )
            current.clear()

    for index, (char, _, _) in enumerate(chars):
        if char == " ":
            flush()
        elif is_cjk(char):
            flush()
            current.append(index)
            flush()
        else:
            current.append(index)
    flush()
    return tuple(words)
