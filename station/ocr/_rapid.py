"""The one seam to PP-OCRv4, run by onnxruntime from the models in rapidocr's wheel.

Only the three model files of ``rapidocr-onnxruntime`` are used: detection (DB) and
recognition (CTC) are driven here, so the station decides what it pays for. On a
two-core box the expensive part is detection, whose cost grows with the pixels it
sees; it runs on the page shrunk to about 1.5 megapixels (an A4 page at 300 dpi to
about 40 %), which still shows 8 pt print at 14 pixels, and again at a larger
scale only when the text found is that small. Recognition reads every line from the
full-resolution page, brought to the model's 48-pixel height, many lines per call.
The orientation classifier is not run: pages are turned upright before OCR.

Nothing is downloaded: the models are files in the installed package.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from station.ocr._model import (
    Box,
    OcrLine,
    OcrResult,
    OcrWord,
    is_cjk,
    join_cjk,
    reading_order,
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

    ``det_megapixels`` bounds the image detection sees. ``min_glyph_px`` is the
    smallest line height (in detection pixels) trusted at that scale: smaller
    text makes detection run again larger. ``threads`` is onnxruntime's intra-op
    thread count: one per worker process, since the station runs one worker per
    core and two thread pools per core only wait on each other.
    """

    det_megapixels: float = 1.5
    min_glyph_px: float = 14.0
    rec_batch: int = 16
    threads: int = 1
    box_threshold: float = 0.5
    min_confidence: float = 50.0


@dataclass(frozen=True)
class _Quad:
    """A detected line: four corners (tl, tr, br, bl) in page pixels."""

    points: np.ndarray


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

    def _detect_tile(self, grey: np.ndarray, tile: Tile) -> list[_Quad]:
        band = grey[tile.top : tile.bottom]
        height, width = band.shape
        scale = min(1.0, (self.settings.det_megapixels * 1e6 / (height * width)) ** 0.5)
        quads, glyph_px = self._detect(band, scale)
        if quads and glyph_px < self.settings.min_glyph_px and scale < 1.0:
            # Small print: run again so the median line is as tall as trusted.
            larger = min(1.0, scale * self.settings.min_glyph_px * 1.3 / glyph_px)
            log.debug(
                "line height %.1f px at %.2f: detecting at %.2f",
                glyph_px,
                scale,
                larger,
            )
            quads, _ = self._detect(band, larger)
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

    def _detect(self, grey: np.ndarray, scale: float) -> tuple[list[_Quad], float]:
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

    def _read_lines(self, grey: np.ndarray, quads: list[_Quad]) -> list[OcrLine]:
        crops = [_crop(grey, quad) for quad in quads]
        order = sorted(
            range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0]
        )
        lines: list[OcrLine | None] = [None] * len(crops)
        batch = self.settings.rec_batch
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            for index, line in zip(
                chunk,
                self._recognise([crops[i] for i in chunk], [quads[i] for i in chunk]),
            ):
                lines[index] = line
        return [
            line
            for line in lines
            if line is not None
            and line.text.strip()
            and line.confidence >= self.settings.min_confidence
        ]

    def _recognise(self, crops: list[np.ndarray], quads: list[_Quad]) -> list[OcrLine]:
        """Recognise a batch of line images padded to the widest one."""
        widths = [max(1, round(c.shape[1] * REC_HEIGHT / c.shape[0])) for c in crops]
        batch_w = max(max(widths), REC_HEIGHT * 320 // 48)
        tensor = np.zeros((len(crops), 3, REC_HEIGHT, batch_w), dtype=np.float32)
        for k, (crop, w) in enumerate(zip(crops, widths)):
            resized = cv2.resize(crop, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
            tensor[k, :, :, :w] = resized.astype(np.float32) / 127.5 - 1.0
        probs = self._rec.run(None, {self._rec.get_inputs()[0].name: tensor})[0]
        return [self._decode(probs[k], widths[k], quads[k]) for k in range(len(crops))]

    def _decode(self, probs: np.ndarray, width_px: int, quad: _Quad) -> OcrLine:
        """Greedy CTC decoding, with each character's column kept for its box."""
        best = probs.argmax(axis=1)
        conf = probs.max(axis=1)
        chars: list[tuple[str, float, int]] = []
        previous = 0
        for step, index in enumerate(best):
            if index != previous and index != 0 and index < len(self._alphabet):
                chars.append((self._alphabet[index], float(conf[step]), step))
            previous = index
        box = _aabb(quad.points)
        text = join_cjk("".join(c for c, _, _ in chars)).strip()
        mean = 100.0 * float(np.mean([p for _, p, _ in chars])) if chars else 0.0
        words = _words(chars, box, width_px)
        return OcrLine(text=text, box=box, confidence=round(mean, 1), words=words)


def _session(path: Path, threads: int) -> object:
    """An onnxruntime session on the CPU with a fixed, non-spinning thread pool."""
    import onnxruntime as ort  # imported here: a Tesseract-only station needs none

    if not path.is_file():
        raise OcrError(f"PP-OCR model {path.name} is missing: reinstall the station")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Idle threads that spin steal the core the other worker is using.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )


def _boxes_from_map(
    prob: np.ndarray, box_threshold: float
) -> tuple[list[_Quad], list[float]]:
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
        if cv2.mean(prob[y : y + bh, x : x + bw], core)[0] < box_threshold:
            continue
        grow = 1.6 * w * h / (2 * (w + h))
        rect = ((cx, cy), (w + 2 * grow, h + 2 * grow), angle)
        if min(rect[1]) < 5:
            continue
        quads.append(_Quad(_order(cv2.boxPoints(rect))))
        heights.append(min(rect[1]))
    return quads, heights


def _order(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    by_x = points[np.argsort(points[:, 0])]
    left = by_x[:2][np.argsort(by_x[:2, 1])]
    right = by_x[2:][np.argsort(by_x[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def _dedupe(quads: list[_Quad]) -> list[_Quad]:
    """Drop a line found twice where two bands overlap."""
    kept: list[_Quad] = []
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


def _crop(grey: np.ndarray, quad: _Quad) -> np.ndarray:
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
    edges.extend((a + b) / 2 for a, b in zip(centres, centres[1:]))
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


@functools.cache
def shared_engine(settings: RapidSettings = RapidSettings()) -> RapidEngine:  # noqa: B008
    """One engine per process: loading both models takes about half a second."""
    return RapidEngine(settings)
