"""kill -9 of a real server while batches of many days (inbox files) are in flight, and a
compaction between the restart and the resend: every acknowledged reading is on disk, and
after the resend every reading is stored exactly once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from tests.monitoring import server as srv

BATCHES = 24
ITEMS = 1000  # 10.4 China days a batch: one inbox file each
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
    return json.dumps({"message_id": f"gw2-{n:05d}", "user": "NM-ALU-01", "items": items}).encode()


def readings(root: Path) -> list[dict[str, Any]]:
    from jiliang.energy.store import scan

    return scan(root, dedupe=False).to_arrow_table().to_pylist()


def test_kill_9_with_inbox_batches_then_compact_and_resend(tmp_path: Path) -> None:
    from jiliang.energy.store import compact

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

    root = tmp_path / "energy"
    try:
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        while len(acks) < BATCHES // 2 and any(t.is_alive() for t in threads):
            threading.Event().wait(0.01)
        srv.kill_hard(server)
        killed.set()
        for t in threads:
            t.join(timeout=60)
        acknowledged = dict(acks)
        assert len(acknowledged) >= BATCHES // 2
        assert not list(root.glob("day=*")), "10.4-day batches must go to the inbox"
        by_value = {r["value"] for r in readings(root)}
        for n in acknowledged:
            assert {float(n * ITEMS + i) for i in range(ITEMS)} <= by_value, n
        # compaction after the crash, then the restart and the resend of everything
        moved = compact(root)
        assert len(moved) >= len(acknowledged)
        assert not list((root / "inbox").rglob("*.parquet"))
        server = srv.start(tmp_path, port)
        for n in range(BATCHES):
            status, answer = srv.post(port, token, body(n))
            assert status == 200, answer
            if n in acknowledged:
                assert answer["ack"] == acknowledged[n]["ack"]
                assert answer["duplicate"] is True
        final = readings(root)
        assert len(final) == BATCHES * ITEMS  # not one reading stored twice
        assert len({(r["point"], r["time"]) for r in final}) == BATCHES * ITEMS
    finally:
        srv.stop(server)
