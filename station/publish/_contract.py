"""The MQTT contract between a station and the central register.

Topics (``prefix`` is ``mqtt.topic_prefix``)::

    <prefix>/<station>/documents/<document id>   station -> register, QoS 1
    <prefix>/<station>/ack/<document id>         register -> station, QoS 1

A document message is one UTF-8 JSON object: ``manifest`` (the document's metadata,
including the SHA-256 and size of every file) and ``files`` (file name -> base64
content). The register verifies every file against the manifest, stores the document
once under its id, and answers with an ack: ``{"document_id", "status": "stored" or
"rejected", "reason"}``. A station sends a document again until it is acknowledged,
so the register must treat a repeat as already stored. docs/mqtt-contract.md has the
full field list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from station._errors import DeliveryError

SCHEMA = "station.document/1"


class ContractError(DeliveryError):
    """A message does not follow the contract; the reason says which part."""


def document_topic(prefix: str, station_id: str, document_id: str) -> str:
    return f"{prefix}/{station_id}/documents/{document_id}"


def ack_topic(prefix: str, station_id: str, document_id: str) -> str:
    return f"{prefix}/{station_id}/ack/{document_id}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_document(manifest: dict[str, Any], files: dict[str, bytes]) -> bytes:
    listed = {entry["name"] for entry in manifest["files"]}
    if listed != set(files):
        raise ContractError("the manifest's file list does not match the files sent")
    message = {
        "manifest": manifest,
        "files": {
            name: base64.b64encode(data).decode() for name, data in files.items()
        },
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ReceivedDocument:
    manifest: dict[str, Any]
    files: dict[str, bytes]

    @property
    def document_id(self) -> str:
        return str(self.manifest["document_id"])


def decode_document(payload: bytes) -> ReceivedDocument:
    """Parse and verify a document message; raise ``ContractError`` if it is wrong."""
    message = _load_json(payload, "a document message")
    try:
        manifest = message["manifest"]
        encoded = message["files"]
    except (KeyError, TypeError) as exc:
        raise ContractError(f"not a document message: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise ContractError(f"unknown schema, expected {SCHEMA}")
    if not isinstance(encoded, dict):
        raise ContractError("'files' must map file names to base64 content")
    _check_id(str(manifest.get("document_id", "")))
    entries = manifest.get("files")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ContractError("the manifest's 'files' must be a list of objects")
    files: dict[str, bytes] = {}
    for entry in entries:
        name = entry.get("name", "")
        _check_name(name)
        if name in files:
            raise ContractError(f"file {name!r} is listed twice")
        try:
            data = base64.b64decode(encoded[name], validate=True)
        except (KeyError, binascii.Error, TypeError) as exc:
            raise ContractError(f"file {name!r} is missing or not base64") from exc
        if sha256(data) != entry.get("sha256") or len(data) != entry.get("size"):
            raise ContractError(f"file {name!r} does not match its SHA-256 or size")
        files[name] = data
    if not files:
        raise ContractError("the document carries no files")
    return ReceivedDocument(manifest, files)


def encode_ack(document_id: str, status: str, reason: str = "") -> bytes:
    ack = {"document_id": document_id, "status": status, "reason": reason}
    return json.dumps(ack, ensure_ascii=False).encode()


def decode_ack(payload: bytes) -> tuple[str, str, str]:
    ack = _load_json(payload, "an acknowledgement")
    try:
        return str(ack["document_id"]), str(ack["status"]), str(ack.get("reason", ""))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ContractError(f"not an acknowledgement: {exc}") from exc


#: Longer messages are refused unread; a document of 64 MiB is about 86 MiB here.
MAX_JSON_BYTES = 128 * 1024 * 1024
_MAX_ID = 64


def _load_json(payload: bytes, what: str) -> Any:
    if len(payload) > MAX_JSON_BYTES:
        raise ContractError(f"{what} of {len(payload):,} bytes is over the limit")
    try:
        return json.loads(payload)
    except (ValueError, RecursionError) as exc:
        # A hostile sender can nest lists deeply enough to exhaust the parser.
        raise ContractError(f"not {what}: {type(exc).__name__}") from exc


def is_safe_id(value: str) -> bool:
    """ASCII letters, digits, '-' and '_', at most 64: safe as a folder and topic."""
    return (
        0 < len(value) <= _MAX_ID
        and value.isascii()
        and all(c.isalnum() or c in "-_" for c in value)
    )


def _check_id(value: str) -> None:
    if not is_safe_id(value):
        raise ContractError(f"document id {value[:80]!r} is not a safe identifier")


def _check_name(name: object) -> None:
    """Refuse names that could leave the register's folder, hide or replace a file."""
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or name == "manifest.json"
        or any(c in name for c in '/\\:*?"<>|\0')
        or len(name.encode()) > 200
    ):
        raise ContractError(f"file name {str(name)[:80]!r} is not safe to store")
