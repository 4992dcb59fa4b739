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
