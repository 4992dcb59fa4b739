"""Local stand-ins started by the demo and the tests: a broker and SANE's virtual
devices. Nothing here is used on a production station.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def enable_virtual_scanners(config_dir: Path) -> Path:
    """Point SANE at a private configuration with only its ``pnm`` and ``test``
    backends, which Debian ships disabled. Must run before SANE is initialised.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "dll.conf").write_text("pnm\ntest\n")
    test_conf = Path("/etc/sane.d/test.conf")
    if test_conf.exists():
        shutil.copy(test_conf, config_dir / "test.conf")
    os.environ["SANE_CONFIG_DIR"] = str(config_dir)
    return config_dir


class LocalBroker:
    """A private Mosquitto on a free loopback port, stopped on exit."""

    def __init__(
        self,
        work_dir: Path,
        port: int | None = None,
        password_file: Path | None = None,
        extra: str = "",
    ) -> None:
        self.work_dir = work_dir
        self.port = port or free_port()
        self.password_file = password_file
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        conf = self.work_dir / "mosquitto.conf"
        lines = [
            # Started as root, mosquitto 2.0 switches to the "mosquitto" user, which
            # cannot read a private work folder; stay the user who started it.
            f"user {getpass.getuser()}",
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            f"log_dest file {self.work_dir / 'mosquitto.log'}",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if self.password_file:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        else:
            lines.append("allow_anonymous true")
        conf.write_text("\n".join(lines) + "\n" + self.extra)
        self.process = subprocess.Popen(
            [mosquitto, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_listening()
        log.info("broker listening on 127.0.0.1:%d", self.port)

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"mosquitto exited at start; see {self.work_dir / 'mosquitto.log'}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
