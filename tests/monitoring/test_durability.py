"""kill -9 of a real server while batches are in flight: every acknowledged reading is on
disk after the restart, a resend gets the identical acknowledgement and stores nothing twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from tests.monitoring import server as srv

BATCHES = 40
ITEMS = 500
CST = dt.timezone(dt.timedelta(hours=8))


def body(n: int) -> bytes:
    start = dt.datetime(2026, 5, 1, tzinfo=CST) + dt.timedelta(minutes=15 * ITEMS * n)
    items = [
        {
            "point": "E-MAIN",
            "start": (start + dt.timedelta(minutes=15 * i)).isoformat(),
            "value": float(n * ITEMS + i),
        }
        for i in range(ITEMS)
    ]
    return json.dumps({"message_id": f"gw1-{n:05d}", "user": "NM-ALU-01", "items": items}).encode()


def readings(root: Path) -> list[dict[str, Any]]:
    from jiliang.energy.store import scan

    return scan(root, dedupe=False).to_arrow_table().to_pylist()


def test_kill_9_after_ack_loses_nothing_and_resend_is_idempotent(tmp_path: Path) -> None:
    token = srv.setup_site(tmp_path)
    port = srv.free_port()
    server = srv.start(tmp_path, port)
    acks: dict[int, dict[str, Any]] = {}
    killed = threading.Event()

    def sender(first: int) -> None:
        for n in range(first, BATCHES, 4):
            if killed.is_set():
                return
            try:
                status, answer = srv.post(port, token, body(n), timeout=30)
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 200:
                acks[n] = answer

    try:
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        while len(acks) < BATCHES // 2 and any(t.is_alive() for t in threads):
            threading.Event().wait(0.01)
        srv.kill_hard(server)  # requests are in flight on the other threads
        killed.set()
        for t in threads:
            t.join(timeout=60)
        acknowledged = dict(acks)
        assert len(acknowledged) >= BATCHES // 2
        # after the restart: every acknowledged reading is on disk, exactly once per batch
        server = srv.start(tmp_path, port)
        on_disk = readings(tmp_path / "energy")
        by_value = {r["value"] for r in on_disk}
        for n in acknowledged:
            assert {float(n * ITEMS + i) for i in range(ITEMS)} <= by_value, n
        # resend everything: acknowledged ones get the identical ack, the rest a new one
        for n in range(BATCHES):
            status, answer = srv.post(port, token, body(n))
            assert status == 200, answer
            if n in acknowledged:
                assert answer["ack"] == acknowledged[n]["ack"]
                assert answer["duplicate"] is True
        final = readings(tmp_path / "energy")
        assert len(final) == BATCHES * ITEMS  # not one reading stored twice
        assert len({(r["point"], r["time"]) for r in final}) == BATCHES * ITEMS
    finally:
        srv.stop(server)
