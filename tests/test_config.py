from pathlib import Path

import pytest

from station._config import load_config
from station._errors import ConfigError


def test_defaults_load_and_archive_resolution_is_300_dpi() -> None:
    config = load_config()
    assert config.capture.dpi == 300
    assert config.ocr.languages == "chi_sim+eng"
    assert config.mqtt.host == "127.0.0.1"


def test_site_file_and_overrides_apply_in_order(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[station]\nid = "counter-2"\n[mqtt]\nport = 1884\n')
    config = load_config(site, {"mqtt.port": 1999})
    assert config.station_id == "counter-2"
    assert config.mqtt.port == 1999


def test_mistyped_setting_is_an_error_naming_it(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[capture]\ndpii = 300\n")
    with pytest.raises(ConfigError, match=r"unknown setting capture\.dpii"):
        load_config(site)


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(ConfigError, match="must be int"):
        load_config(None, {"capture.dpi": "300"})


def test_min_dpi_below_300_is_refused() -> None:
    with pytest.raises(ConfigError, match="below 300"):
        load_config(None, {"capture.min_dpi": 200})


def test_topic_wildcards_are_refused_in_the_station_id() -> None:
    with pytest.raises(ConfigError, match=r"station\.id"):
        load_config(None, {"station.id": "a/#"})


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("ocr.workers", -3, "ocr.workers"),
        ("mqtt.keepalive_s", -1, "mqtt.keepalive_s"),
        ("mqtt.max_inflight", 0, "mqtt.max_inflight"),
        ("mqtt.retry_s", -1.0, "mqtt.retry_s"),
        ("capture.dpi", 0, "capture.dpi"),
        ("capture.max_pixels", 0, "capture.max_pixels"),
        ("documents.catalog", "/nonexistent/catalog.json", "documents.catalog"),
    ],
)
def test_out_of_range_settings_are_refused(key: str, value: object, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_config(None, {key: value})


def test_settings_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_bytes(b'[station]\nid = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="cannot read settings file"):
        load_config(site)
