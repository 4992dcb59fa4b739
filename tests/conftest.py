"""Shared fixtures: a private SANE configuration, a real Mosquitto, a register."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from station._config import Config, load_config
from station._local import LocalBroker, enable_virtual_scanners
from station.publish import Receiver
from station.queue import database, open_database

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def virtual_scanners(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SANE reads its configuration once per process, so one for the whole run."""
    if (
        "SANE_CONFIG_DIR" in os.environ
        and "station-sane" in os.environ["SANE_CONFIG_DIR"]
    ):
        return Path(os.environ["SANE_CONFIG_DIR"])
    return enable_virtual_scanners(tmp_path_factory.mktemp("station-sane"))


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    with LocalBroker(tmp_path / "broker") as running:
        yield running


def make_config(tmp_path: Path, port: int, **more: object) -> Config:
    return load_config(
        None,
        {
            "station.data_dir": str(tmp_path / "var"),
            "mqtt.port": port,
            "mqtt.retry_s": 3.0,
            "capture.min_free_mb": 1,
            **more,
        },
    )


@pytest.fixture
def config(tmp_path: Path, broker: LocalBroker) -> Config:
    return make_config(tmp_path, broker.port)


@pytest.fixture
def db(config: Config) -> Iterator[Config]:
    open_database(config.db_path)
    yield config
    database.close()


class RunningReceiver:
    def __init__(self, receiver: Receiver, out: Path) -> None:
        self.receiver = receiver
        self.out = out


@pytest.fixture
def register(tmp_path: Path, config: Config) -> Iterator[RunningReceiver]:
    out = tmp_path / "register"
    receiver = Receiver(config.mqtt, out, name="test-register")
    stop = threading.Event()
    thread = threading.Thread(target=receiver.run, args=(stop,), daemon=True)
    thread.start()
    assert receiver.link.wait_connected(10), "the register could not connect"
    yield RunningReceiver(receiver, out)
    stop.set()
    thread.join(5)


def sample(name: str) -> Path:
    """A sample page by file name, wherever its source folder is."""
    found = list(SAMPLES.glob(f"*/{name}"))
    assert found, f"no sample page {name}"
    return found[0]
