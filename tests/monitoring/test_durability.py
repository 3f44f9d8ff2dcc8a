"""kill -9 of a real server while batches are in flight: every acknowledged reading is on
disk after the restart, a resend gets the identical acknowledgement and stores nothing twice.

Two shapes: batches of a few days (day files) and batches of 10.4 China days (one inbox file
each), the latter with a compaction between the crash and the resend."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
from pathlib import Path
from typing import Any

from tests.monitoring import server as srv

CST = dt.timezone(dt.timedelta(hours=8))


def body(n: int, items: int, prefix: str) -> bytes:
    start = dt.datetime(2026, 5, 1, tzinfo=CST) + dt.timedelta(minutes=15 * items * n)
    rows = [
        {
            "point": "E-MAIN",
            "start": (start + dt.timedelta(minutes=15 * i)).isoformat(),
            "value": float(n * items + i),
        }
        for i in range(items)
    ]
    return json.dumps(
        {"message_id": f"{prefix}-{n:05d}", "user": "NM-ALU-01", "items": rows}
    ).encode()


def readings(root: Path) -> list[dict[str, Any]]:
    from jiliang.energy.store import scan

    return scan(root, dedupe=False).to_arrow_table().to_pylist()


def _killed_while_uploading(
    tmp_path: Path, port: int, token: str, batches: int, items: int, prefix: str
) -> dict[int, dict[str, Any]]:
    """Four senders upload ``batches`` batches; the server is killed with SIGKILL once half of
    them are acknowledged (the others are in flight). Returns the acknowledgements."""
    server = srv.start(tmp_path, port)
    acks: dict[int, dict[str, Any]] = {}
    killed = threading.Event()

    def sender(first: int) -> None:
        for n in range(first, batches, 4):
            if killed.is_set():
                return
            try:
                status, answer = srv.post(port, token, body(n, items, prefix), timeout=30)
            except (OSError, http.client.HTTPException):
                return  # the server died under this request (or its answer): not acknowledged
            if status == 200:
                acks[n] = answer

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while len(acks) < batches // 2 and any(t.is_alive() for t in threads):
        threading.Event().wait(0.01)
    srv.kill_hard(server)  # requests are in flight on the other threads
    killed.set()
    for t in threads:
        t.join(timeout=60)
    acknowledged = dict(acks)
    assert len(acknowledged) >= batches // 2
    on_disk = {r["value"] for r in readings(tmp_path / "energy")}
    for n in acknowledged:  # every acknowledged reading is on disk
        assert {float(n * items + i) for i in range(items)} <= on_disk, n
    return acknowledged


def _resend_everything(
    tmp_path: Path, port: int, token: str, acknowledged: dict[int, dict[str, Any]],
    batches: int, items: int, prefix: str,
) -> None:  # fmt: skip
    """After a restart: acknowledged batches get the identical ack, the rest a new one, and
    every reading is stored exactly once."""
    server = srv.start(tmp_path, port)
    try:
        for n in range(batches):
            status, answer = srv.post(port, token, body(n, items, prefix))
            assert status == 200, answer
            if n in acknowledged:
                assert answer["ack"] == acknowledged[n]["ack"]
                assert answer["duplicate"] is True
        final = readings(tmp_path / "energy")
        assert len(final) == batches * items  # not one reading stored twice
        assert len({(r["point"], r["time"]) for r in final}) == batches * items
    finally:
        srv.stop(server)


def test_kill_9_after_ack_loses_nothing_and_resend_is_idempotent(tmp_path: Path) -> None:
    token = srv.setup_site(tmp_path)
    port = srv.free_port()
    acknowledged = _killed_while_uploading(tmp_path, port, token, 40, 500, "gw1")
    _resend_everything(tmp_path, port, token, acknowledged, 40, 500, "gw1")


def test_kill_9_with_inbox_batches_then_compact_and_resend(tmp_path: Path) -> None:
    from jiliang.energy.store import compact

    token = srv.setup_site(tmp_path)
    port = srv.free_port()
    root = tmp_path / "energy"
    acknowledged = _killed_while_uploading(tmp_path, port, token, 24, 1000, "gw2")
    assert not list(root.glob("day=*")), "10.4-day batches must go to the inbox"
    moved = compact(root)  # compaction after the crash, then the restart and the resend
    assert len(moved) >= len(acknowledged)
    assert not list((root / "inbox").rglob("*.parquet"))
    _resend_everything(tmp_path, port, token, acknowledged, 24, 1000, "gw2")
