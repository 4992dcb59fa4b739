"""Delivery of finished documents to the central register over MQTT."""

from station.publish._contract import (
    SCHEMA,
    ContractError,
    ReceivedDocument,
    ack_topic,
    decode_ack,
    decode_document,
    document_topic,
    encode_ack,
    encode_document,
    is_safe_id,
    sha256,
)
from station.publish._link import LinkEvent, MqttLink
from station.publish._receiver import Receiver

__all__ = [
    "SCHEMA",
    "ContractError",
    "LinkEvent",
    "MqttLink",
    "ReceivedDocument",
    "Receiver",
    "ack_topic",
    "decode_ack",
    "decode_document",
    "document_topic",
    "encode_ack",
    "encode_document",
    "is_safe_id",
    "sha256",
]
