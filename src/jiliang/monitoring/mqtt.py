"""`jiliang energy listen`: gateways publish batches over MQTT (paho-mqtt subscriber).

Topics (QoS 1, docs/monitoring.md):
    jiliang/energy/<user code>/readings   a batch, the same JSON as POST /api/energy/uploads
    jiliang/energy/<user code>/ack        the answer: the acknowledgement, or status/errors
The broker authenticates each gateway and its ACL lets it publish only to its own user's
topic; the listener then checks the body names that user (and its signature where the user
has a key) and stores through the one ingest path. The MQTT PUBACK is sent only after the
handler returned, i.e. after the batch is durable; a gateway that misses the ack resends the
same message id and gets the same acknowledgement. The session is persistent (fixed client
id, clean_session off), so batches published while the listener is down are delivered when
it comes back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson

TOPIC_PREFIX = "jiliang/energy"
READINGS = f"{TOPIC_PREFIX}/+/readings"


def handle(topic: str, payload: bytes) -> tuple[str, bytes] | None:
    """One message: (ack topic, ack body), or None when the topic is not ours."""
    from django.db import close_old_connections, connection

    from jiliang.monitoring.ingest import BatchRefused, ingest_for

    parts = topic.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_PREFIX or parts[3] != "readings":
        return None
    user_code = parts[2]
    if not connection.in_atomic_block:  # a long-lived listener drops stale connections;
        close_old_connections()  # inside a transaction (tests) the connection is in use
    try:
        answer: dict[str, Any] = {"status": 200, **ingest_for(payload, user_code, "mqtt").as_dict()}
    except BatchRefused as exc:
        message_id = None
        try:
            body = orjson.loads(payload)
            message_id = body.get("message_id") if isinstance(body, dict) else None
        except orjson.JSONDecodeError:
            pass
        answer = {
            "status": exc.status,
            "message_id": message_id if isinstance(message_id, str) else None,
            "detail": exc.detail,
            "errors": exc.errors,
        }
    return f"{TOPIC_PREFIX}/{user_code}/ack", orjson.dumps(answer)


def listen(
    host: str,
    port: int,
    *,
    client_id: str = "jiliang-energy-listener",
    username: str | None = None,
    password: str | None = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Subscribe and serve until `stop` is set (or forever)."""
    import paho.mqtt.client as mqtt

    stop = stop or threading.Event()
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=False,
    )
    if username:
        client.username_pw_set(username, password)

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        c.subscribe(READINGS, qos=1)

    def on_subscribe(c: Any, userdata: Any, mid: Any, reasons: Any, properties: Any) -> None:
        if on_ready is not None:
            on_ready()

    def on_message(c: Any, userdata: Any, message: Any) -> None:
        result = handle(message.topic, message.payload)
        if result is not None:
            c.publish(result[0], result[1], qos=1)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(host, port, keepalive=30)
    try:
        while not stop.is_set():
            client.loop(timeout=0.2)
    finally:
        client.disconnect()
