from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path

import pytest

from station._config import Config
from station.publish import (
    SCHEMA,
    ContractError,
    MqttLink,
    Receiver,
    decode_ack,
    decode_document,
    document_topic,
    encode_document,
    sha256,
)


def _manifest(doc_id: str, data: bytes, name: str = "doc.pdf") -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "document_id": doc_id,
        "page_count": 1,
        "files": [{"name": name, "sha256": sha256(data), "size": len(data)}],
    }


def test_document_round_trips_with_its_hashes() -> None:
    data = b"%PDF-1.7 test"
    received = decode_document(
        encode_document(_manifest("b1-01", data), {"doc.pdf": data})
    )
    assert received.files == {"doc.pdf": data}
    assert received.document_id == "b1-01"


def test_tampered_file_is_rejected() -> None:
    data = b"%PDF-1.7 test"
    message = json.loads(encode_document(_manifest("b1-01", data), {"doc.pdf": data}))
    message["files"]["doc.pdf"] = base64.b64encode(b"%PDF-1.7 tEst").decode()
    with pytest.raises(ContractError, match="does not match its SHA-256"):
        decode_document(json.dumps(message).encode())


@pytest.mark.parametrize("name", ["../escape.pdf", ".hidden", "a/b.pdf", "x" * 300])
def test_unsafe_file_names_are_rejected(name: str) -> None:
    data = b"x"
    payload = encode_document(_manifest("b1-01", data, name), {name: data})
    with pytest.raises(ContractError, match="not safe"):
        decode_document(payload)


@pytest.mark.parametrize("doc_id", ["../../etc", "a b", ""])
def test_unsafe_document_ids_are_rejected(doc_id: str) -> None:
    data = b"x"
    with pytest.raises(ContractError, match="not a safe identifier"):
        decode_document(encode_document(_manifest(doc_id, data), {"doc.pdf": data}))


def test_garbage_is_not_a_document() -> None:
    with pytest.raises(ContractError):
        decode_document(b"\xff\xfe not json")


def test_register_stores_a_repeated_document_once_and_acks_each_time(
    config: Config, tmp_path: Path
) -> None:
    receiver = Receiver(config.mqtt, tmp_path / "register")
    stop = threading.Event()
    thread = threading.Thread(target=receiver.run, args=(stop,), daemon=True)
    thread.start()
    prefix = config.mqtt.topic_prefix
    sender = MqttLink(config.mqtt, "test-sender", [f"{prefix}/s1/ack/+"])
    sender.start()
    try:
        assert receiver.link.wait_connected(10) and sender.wait_connected(10)
        data = b"%PDF-1.7 the same document"
        payload = encode_document(_manifest("b9-01", data), {"doc.pdf": data})
        for _ in range(3):
            sender.publish(document_topic(prefix, "s1", "b9-01"), payload)
        acks = []
        deadline = time.monotonic() + 10
        while len(acks) < 3 and time.monotonic() < deadline:
            event = sender.events.get(timeout=5)
            if event.kind == "message":
                acks.append(decode_ack(event.payload))
    finally:
        sender.stop()
        stop.set()
        thread.join(5)
    assert acks == [("b9-01", "stored", "")] * 3
    stored = list((tmp_path / "register" / "s1").iterdir())
    assert [p.name for p in stored] == ["b9-01"]
    assert (stored[0] / "doc.pdf").read_bytes() == data


def _register(config: Config, out: Path):  # type: ignore[no-untyped-def]
    receiver = Receiver(config.mqtt, out)
    stop = threading.Event()
    thread = threading.Thread(target=receiver.run, args=(stop,), daemon=True)
    thread.start()
    assert receiver.link.wait_connected(10)
    return receiver, stop, thread


def test_hostile_messages_are_rejected_and_the_register_keeps_serving(
    config: Config, tmp_path: Path
) -> None:
    receiver, stop, thread = _register(config, tmp_path / "register")
    prefix = config.mqtt.topic_prefix
    sender = MqttLink(config.mqtt, "hostile", [f"{prefix}/s1/ack/+"])
    sender.start()
    data = b"%PDF-1.7 good"
    hostile = {
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "strs": json.dumps(
            {
                "manifest": {
                    "schema": SCHEMA,
                    "document_id": "strs",
                    "files": ["a.pdf"],
                },
                "files": {},
            }
        ).encode(),
        "int": json.dumps(
            {
                "manifest": {"schema": SCHEMA, "document_id": "int", "files": 5},
                "files": {},
            }
        ).encode(),
        "x" * 300: encode_document(_manifest("x" * 300, data), {"doc.pdf": data}),
        "mf": encode_document(
            _manifest("mf", data, "manifest.json"), {"manifest.json": data}
        ),
    }
    try:
        assert sender.wait_connected(10)
        for doc_id, payload in hostile.items():
            sender.publish(document_topic(prefix, "s1", doc_id), payload)
        good = encode_document(_manifest("good-01", data), {"doc.pdf": data})
        sender.publish(document_topic(prefix, "s1", "good-01"), good)
        deadline = time.monotonic() + 20
        while receiver.stored < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sender.stop()
        stop.set()
        thread.join(5)
    assert thread.is_alive() is False
    assert receiver.stored == 1
    assert receiver.rejected == len(hostile)
    assert [p.name for p in (tmp_path / "register" / "s1").iterdir()] == ["good-01"]
