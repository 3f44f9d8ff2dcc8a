"""`jiliang serve` as a real subprocess: slow and silent clients must not starve it.

Before: waitress with its default 100-connection limit; 110 half-open sockets made the next
request wait 90 s. The server must answer a normal request within a few seconds while 120
connections are held open, whether they say nothing or trickle half a request header.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

HELD = 120
# The server reads the test database; the mark makes pytest-django create it (PostgreSQL).
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        r.read()
        return r.status, time.monotonic() - started


@pytest.fixture(scope="module")
def served(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[int]:
    """`jiliang serve` on a free port: the test database on PostgreSQL, a fresh file on SQLite."""
    data = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_")}
    env |= {"JILIANG_DATA_DIR": str(data), "JILIANG_WORKERS": "2", "JILIANG_THREADS": "4"}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["JILIANG_DATABASE_URL"] = (
            f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    port = _free_port()
    jiliang = Path(sys.executable).with_name("jiliang")
    with django_db_blocker.unblock():
        connection.close()
    server = subprocess.Popen(
        [str(jiliang), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data / "server.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(port, "/", 5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (data / "server.log").read_text(errors="replace")
                    raise AssertionError(f"jiliang serve did not start:\n{log[-3000:]}") from None
                time.sleep(0.5)
        for _ in range(6):  # warm both workers: the first request of each loads the URLconf
            for path in ("/", "/api/institutions"):
                _get(port, path, 30)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@contextlib.contextmanager
def held_open(port: int, opening: bytes) -> Iterator[list[socket.socket]]:
    sockets = []
    try:
        for _ in range(HELD):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if opening:
                s.sendall(opening)
            sockets.append(s)
        time.sleep(0.5)  # let the server accept them all
        yield sockets
    finally:
        for s in sockets:
            s.close()


@pytest.mark.parametrize(
    "opening",
    [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"],
    ids=["silent", "half-a-header"],
)
def test_request_answered_while_120_connections_are_held_open(served: int, opening: bytes) -> None:
    with held_open(served, opening):
        for path in ("/", "/api/institutions"):
            status, seconds = _get(served, path, timeout=30)
            assert status == 200
            assert seconds < 5, f"{path} took {seconds:.1f} s behind {HELD} held connections"


def test_silent_connection_is_closed_by_the_server(served: int) -> None:
    """A socket that never asks anything is closed after the I/O time-out (10 s), not kept."""
    with socket.create_connection(("127.0.0.1", served), timeout=30) as s:
        started = time.monotonic()
        assert s.recv(1) == b""  # orderly close from the server
        assert 3 <= time.monotonic() - started <= 25


def test_keep_alive_connection_serves_several_requests(served: int) -> None:
    with socket.create_connection(("127.0.0.1", served), timeout=10) as s:
        for _ in range(3):
            s.sendall(b"GET /api/institutions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += s.recv(65536)
            assert head.startswith(b"HTTP/1.1 200")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < length:
                body += s.recv(65536)


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5", "²"])
def test_bad_server_sizes_are_refused_by_name(monkeypatch: Any, value: str) -> None:
    from jiliang.serving import ServerOptions

    monkeypatch.setenv("JILIANG_WORKERS", value)
    with pytest.raises(ValueError, match="JILIANG_WORKERS"):
        ServerOptions.from_environment()


def test_server_defaults_to_one_worker_per_core(monkeypatch: Any) -> None:
    from jiliang.serving import ServerOptions

    for name in ("JILIANG_WORKERS", "JILIANG_THREADS", "JILIANG_IO_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    options = ServerOptions.from_environment()
    assert options.workers == len(os.sched_getaffinity(0))
    assert (options.threads, options.io_timeout, options.keepalive) == (8, 10, 5)
