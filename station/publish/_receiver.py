"""A reference register: receives documents, verifies them, stores them, acknowledges.

It stands in for the central case register in tests and demos, and shows what the
register must do: check every file against its SHA-256, store a document once under
its id (a repeat is answered "stored" again without rewriting), and only then
acknowledge, both to the broker (manual PUBACK, so a register that dies mid-write gets
the message again) and to the station (the ack topic).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import threading
from pathlib import Path

from station._config import MqttConfig
from station._imageio import write_durably
from station.publish._contract import (
    ContractError,
    ReceivedDocument,
    ack_topic,
    decode_document,
    encode_ack,
    is_safe_id,
)
from station.publish._link import LinkEvent, MqttLink

log = logging.getLogger(__name__)


class Receiver:
    """Stores the documents of every station under ``out_dir/<station>/<id>/``."""

    def __init__(self, settings: MqttConfig, out_dir: Path, name: str = "register"):
        self.settings = settings
        self.out_dir = out_dir
        self.link = MqttLink(
            settings,
            client_id=f"{name}-receiver",
            subscriptions=[f"{settings.topic_prefix}/+/documents/+"],
            manual_ack=True,
        )
        self.stored = 0
        self.rejected = 0
        self._stop = threading.Event()

    def run(self, stop: threading.Event | None = None) -> None:
        """Serve until ``stop`` is set."""
        stop = stop or self._stop
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.link.start()
        try:
            while not stop.is_set():
                try:
                    event = self.link.events.get(timeout=0.2)
                except queue.Empty:
                    continue
                if event.kind == "message":
                    self._handle(event)
        finally:
            self.link.stop()

    def stop(self) -> None:
        self._stop.set()

    def _handle(self, event: LinkEvent) -> None:
        """Store one message and acknowledge it; no message can stop the register.

        Whatever goes wrong with one message (a hostile payload, a full disk) is
        answered "rejected" and acknowledged to the broker, so the broker does not
        hand the same poison back at every restart.
        """
        parts = event.topic.split("/")
        station_id, topic_doc_id = parts[-3], parts[-1]
        try:
            document = decode_document(event.payload)
            if document.document_id != topic_doc_id:
                raise ContractError("the topic and the manifest name other documents")
            self._store(station_id, document)
            status, reason = "stored", ""
            self.stored += 1
        except ContractError as exc:
            status, reason = "rejected", exc.message
            self.rejected += 1
            log.warning("document %.80s rejected: %s", topic_doc_id, reason)
        except Exception as exc:  # a disk error or a bug: logged, answered, not fatal
            status, reason = "rejected", f"the register could not store it: {exc}"
            self.rejected += 1
            log.exception("document %.80s could not be stored", topic_doc_id)
        if is_safe_id(station_id) and is_safe_id(topic_doc_id):
            try:
                self.link.publish(
                    ack_topic(self.settings.topic_prefix, station_id, topic_doc_id),
                    encode_ack(topic_doc_id, status, reason),
                )
            except ConnectionError as exc:
                # The station sends the document again; it is then acknowledged.
                log.warning("acknowledgement of %s not sent: %s", topic_doc_id, exc)
        try:
            self.link.ack(event.mid)
        except Exception as exc:  # paho raises when the connection is gone
            log.warning(
                "PUBACK for %s not sent (%s); the broker resends it", topic_doc_id, exc
            )

    def _store(self, station_id: str, document: ReceivedDocument) -> None:
        if not is_safe_id(station_id):
            raise ContractError(f"station id {station_id[:80]!r} is not safe to store")
        target = self.out_dir / station_id / document.document_id
        if (target / "manifest.json").exists():
            log.info("document %s already stored; acknowledged again", target.name)
            return
        staging = target.with_name(f".{target.name}.incoming")
        shutil.rmtree(staging, ignore_errors=True)
        for name, data in document.files.items():
            write_durably(staging / name, data)
        manifest = json.dumps(document.manifest, ensure_ascii=False, indent=2)
        write_durably(staging / "manifest.json", manifest.encode())
        os.replace(staging, target)
        log.info(
            "stored document %s from %s (%d pages)",
            document.document_id,
            station_id,
            document.manifest.get("page_count", 0),
        )
