"""The one seam to the MQTT broker (paho-mqtt 2.x, MQTT v5).

paho runs its network loop in its own thread; callbacks only put events on a queue,
and the daemon's main loop applies them to the database, so all writes stay in one
thread. The session is persistent (clean start off, one-day expiry), so the register's
acknowledgements that arrive while the station is offline are delivered when it
returns.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from station._config import MqttConfig

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 86_400


@dataclass(frozen=True)
class LinkEvent:
    kind: str  # "connected", "disconnected", "refused", "published", "message"
    mid: int = 0
    topic: str = ""
    payload: bytes = b""
    reason: str = ""


class MqttLink:
    """A persistent MQTT v5 connection that reports what happens as events."""

    def __init__(
        self,
        settings: MqttConfig,
        client_id: str,
        subscriptions: list[str],
        manual_ack: bool = False,
    ) -> None:
        self.settings = settings
        self.events: queue.Queue[LinkEvent] = queue.Queue()
        self._subscriptions = subscriptions
        self._connected = threading.Event()
        self._stopping = False
        #: The broker's own limit from its CONNACK (MQTT v5), if it announced one.
        self.broker_max_packet: int | None = None
        self._last_problem = ""
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=manual_ack,
        )
        if settings.username:
            client.username_pw_set(settings.username, settings.password or None)
        client.max_inflight_messages_set(settings.max_inflight)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        self.client = client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def problem(self) -> str:
        """The last connection problem in words, or "" while connected."""
        return "" if self.connected else self._last_problem

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._last_problem = "connecting"
        self.client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=self.settings.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self) -> None:
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def publish(self, topic: str, payload: bytes) -> int:
        """Queue a QoS 1 message with paho; return its message id."""
        info = self.client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(mqtt.error_string(info.rc))
        return int(info.mid)

    def ack(self, mid: int) -> None:
        self.client.ack(mid, 1)

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _on_connect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            text = (
                f"the broker at {self._where()} refused the login ({reason}): check "
                "mqtt.username and mqtt.password"
                if reason.value
                in (134, 135)  # bad user name or password, not authorized
                else f"the broker at {self._where()} refused the connection ({reason})"
            )
            self._report_problem(text)
            self.events.put(LinkEvent("refused", reason=text))
            return
        self.broker_max_packet = getattr(props, "MaximumPacketSize", None)
        for topic in self._subscriptions:
            client.subscribe(topic, qos=1)
        self._connected.set()
        self._last_problem = ""
        log.info("connected to the broker at %s", self._where())
        self.events.put(LinkEvent("connected"))

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if self._stopping:
            log.info("disconnected from the broker at %s", self._where())
        elif was_connected:
            self._report_problem(
                f"lost the broker at {self._where()} ({reason}); documents wait in "
                "the outbox and go out when it returns"
            )
            self.events.put(LinkEvent("disconnected", reason=str(reason)))
        elif not self._last_problem.startswith("the broker"):
            self._report_problem(
                f"cannot reach the broker at {self._where()} ({reason}); retrying"
            )

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        # paho 2.2 calls this, not on_disconnect, when the TCP connection fails.
        self._report_problem(
            f"cannot reach the broker at {self._where()}; documents wait in the "
            "outbox, retrying"
        )

    def _report_problem(self, text: str) -> None:
        if text != self._last_problem:
            log.warning("%s", text)
        self._last_problem = text

    def _on_publish(
        self, client: Any, userdata: Any, mid: int, reason: Any, props: Any
    ) -> None:
        self.events.put(LinkEvent("published", mid=mid, reason=str(reason)))

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.events.put(
            LinkEvent(
                "message",
                mid=message.mid,
                topic=message.topic,
                payload=bytes(message.payload),
            )
        )
