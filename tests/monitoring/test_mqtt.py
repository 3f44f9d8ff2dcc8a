"""`jiliang energy listen` against a real Mosquitto broker started by the test (installed by
scripts/ensure-mosquitto.sh when missing): a batch published by a gateway is stored, the ack
comes back on the ack topic, a resend gets the same ack, a bad batch gets its errors."""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.site import Site
from tests.monitoring.test_uploads import batch

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def broker(tmp_path_factory: Any) -> Iterator[int]:
    """A Mosquitto of our own on a free port (never skipped: installed when missing)."""
    subprocess.run([str(ROOT / "scripts" / "ensure-mosquitto.sh")], check=True, timeout=600)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = _free_port()
    conf = tmp_path_factory.mktemp("mqtt") / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("mosquitto did not start") from None
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


class Gateway:
    """A gateway: publishes batches, collects the acks on its user's ack topic."""

    def __init__(self, port: int, user: str = "NM-ALU-01") -> None:
        import paho.mqtt.client as mqtt

        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.user = user
        self.client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
        subscribed = threading.Event()
        self.client.on_message = lambda c, u, m: self.acks.put(json.loads(m.payload))
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(f"jiliang/energy/{user}/ack", qos=1)
        self.client.loop_start()
        assert subscribed.wait(10)

    def send(self, body: Any, topic_user: str | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        topic = f"jiliang/energy/{topic_user or self.user}/readings"
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_listen_stores_acks_and_dedupes(site: Site, broker: int, energy_root: Path) -> None:
    from jiliang.energy.store import scan

    gateway = Gateway(broker)
    try:
        from jiliang.monitoring.mqtt import listen

        stop = threading.Event()
        ready = threading.Event()

        def run() -> None:
            listen("127.0.0.1", broker, client_id="test-listener", stop=stop, on_ready=ready.set)

        # the handler needs this test's database connection: listen in this thread,
        # publish from a helper thread once subscribed
        def publish() -> None:
            assert ready.wait(10)
            gateway.send(batch("mq-1"))
            gateway.send(batch("mq-1"))  # a resend
            bad = batch("mq-2")
            bad["items"][1]["kind"] = "pulse"
            gateway.send(bad)
            gateway.send(batch("mq-3"), topic_user="NM-ALU-01")
            gateway.send(dict(batch("mq-4"), user="SOMEONE-ELSE"))

        got: list[dict[str, Any]] = []

        def watch() -> None:
            deadline = time.monotonic() + 30
            while len(got) < 5 and time.monotonic() < deadline:
                with contextlib.suppress(queue.Empty):
                    got.append(gateway.acks.get(timeout=0.2))
            stop.set()

        threads = [threading.Thread(target=publish), threading.Thread(target=watch)]
        for t in threads:
            t.start()
        run()
        for t in threads:
            t.join()
    finally:
        gateway.close()
    by_id: dict[Any, list[dict[str, Any]]] = {}
    for ack in got:
        by_id.setdefault(ack.get("message_id"), []).append(ack)
    first, again = by_id["mq-1"]
    assert first["status"] == 200 and first["count"] == 3
    assert again["ack"] == first["ack"] and again["duplicate"] is True
    (bad,) = by_id["mq-2"]
    assert bad["status"] == 400 and bad["errors"][0]["field"] == "items[1].kind"
    assert by_id["mq-3"][0]["status"] == 200
    assert by_id["mq-4"][0]["status"] == 403  # the body names another user than the topic
    rows = scan(energy_root, dedupe=False).to_arrow_table().to_pylist()
    assert len(rows) == 6 and {r["source"] for r in rows} == {"mqtt"}  # mq-1 and mq-3
