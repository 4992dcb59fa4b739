"""Load the station's settings from TOML: packaged defaults, a site file, overrides.

Unknown keys are errors rather than silently ignored, because a mistyped setting on an
appliance otherwise goes unnoticed until the day it matters.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from station._errors import ConfigError


@dataclass(frozen=True)
class CaptureConfig:
    device: str
    dpi: int
    min_dpi: int
    mode: str
    source: str
    max_pixels: int
    min_free_mb: int


@dataclass(frozen=True)
class PreprocessConfig:
    deskew: bool
    crop_border: bool
    detect_blank: bool
    orientation_check: bool


@dataclass(frozen=True)
class OcrConfig:
    languages: str
    engine: str
    workers: int
    timeout_s: int


@dataclass(frozen=True)
class MqttConfig:
    host: str
    port: int
    username: str
    password: str
    topic_prefix: str
    retry_s: float
    keepalive_s: int
    max_message_bytes: int
    max_inflight: int


@dataclass(frozen=True)
class DocumentsConfig:
    own_court: str
    old_courts: list[str]
    catalog: str
    classify_threshold: float
    cover_sheets: bool


@dataclass(frozen=True)
class Config:
    station_id: str
    data_dir: Path
    capture: CaptureConfig
    preprocess: PreprocessConfig
    ocr: OcrConfig
    mqtt: MqttConfig
    documents: DocumentsConfig

    @property
    def db_path(self) -> Path:
        return self.data_dir / "station.db"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


def load_config(
    path: Path | None = None, overrides: dict[str, Any] | None = None
) -> Config:
    """Return the settings: defaults, then ``path``, then dotted ``overrides``.

    ``overrides`` maps "section.key" to a value, e.g. ``{"mqtt.port": 18830}``.
    A relative ``station.data_dir`` is taken relative to the current directory.
    """
    text = resources.files("station").joinpath("default.toml").read_text("utf-8")
    merged = tomllib.loads(text)
    if path is not None:
        try:
            site = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
        _merge(merged, site, source=str(path))
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        _merge(merged, {section: {key: value}}, source="overrides")
    return _build(merged)


def _merge(base: dict[str, Any], extra: dict[str, Any], source: str) -> None:
    for section, values in extra.items():
        if section not in base or not isinstance(values, dict):
            raise ConfigError(f"{source}: unknown settings section [{section}]")
        for key, given in values.items():
            value = given
            if key not in base[section]:
                close = difflib.get_close_matches(key, list(base[section]), n=1)
                hint = f"; did you mean {section}.{close[0]}?" if close else ""
                raise ConfigError(
                    f"{source}: unknown setting {section}.{key}{hint} (every setting "
                    "is listed in station/default.toml)"
                )
            expected = type(base[section][key])
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected) or (
                expected is int and isinstance(value, bool)
            ):
                raise ConfigError(
                    f"{source}: {section}.{key} must be {expected.__name__}, "
                    f"not {value!r}"
                )
            base[section][key] = copy.deepcopy(value)


def _build(raw: dict[str, Any]) -> Config:
    capture = CaptureConfig(**raw["capture"])
    if capture.min_dpi < 300:
        raise ConfigError("capture.min_dpi below 300 is not allowed for archive scans")
    if capture.mode not in ("color", "gray", "lineart"):
        raise ConfigError("capture.mode must be color, gray or lineart")
    if capture.source not in ("flatbed", "adf", "duplex"):
        raise ConfigError("capture.source must be flatbed, adf or duplex")
    if capture.dpi < capture.min_dpi:
        raise ConfigError(
            f"capture.dpi {capture.dpi} is below capture.min_dpi {capture.min_dpi}"
        )
    mqtt = MqttConfig(**raw["mqtt"])
    if not 0 < mqtt.port < 65536:
        raise ConfigError(f"mqtt.port {mqtt.port} is not a TCP port")
    ocr = OcrConfig(**raw["ocr"])
    if ocr.engine not in ("auto", "rapidocr", "tesseract"):
        raise ConfigError("ocr.engine must be auto, rapidocr or tesseract")
    documents = DocumentsConfig(**raw["documents"])
    _at_least("capture.max_pixels", capture.max_pixels, 1_000_000)
    _at_least("capture.min_free_mb", capture.min_free_mb, 0)
    _at_least("ocr.workers", ocr.workers, 0)
    _at_least("ocr.timeout_s", ocr.timeout_s, 1)
    _at_least("mqtt.keepalive_s", mqtt.keepalive_s, 5)
    _at_least("mqtt.max_inflight", mqtt.max_inflight, 1)
    _at_least("mqtt.max_message_bytes", mqtt.max_message_bytes, 1024)
    _at_least("mqtt.retry_s", mqtt.retry_s, 0.5)
    if not 0.0 <= documents.classify_threshold <= 1.0:
        raise ConfigError("documents.classify_threshold must lie between 0 and 1")
    if documents.catalog and not Path(documents.catalog).is_file():
        raise ConfigError(f"documents.catalog {documents.catalog} is not a file")
    station_id = raw["station"]["id"]
    if not station_id or any(c in station_id for c in "/+#"):
        raise ConfigError("station.id must be non-empty without / + or #")
    return Config(
        station_id=station_id,
        data_dir=Path(raw["station"]["data_dir"]).resolve(),
        capture=capture,
        preprocess=PreprocessConfig(**raw["preprocess"]),
        ocr=ocr,
        mqtt=mqtt,
        documents=documents,
    )


def _at_least(name: str, value: float, least: float) -> None:
    if value < least:
        raise ConfigError(f"{name} is {value}; it must be at least {least}")
