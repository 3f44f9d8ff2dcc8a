"""The server behind `jiliang serve` and `jiliang demo`: gunicorn, hardened against slow clients.

Why not waitress any more: waitress serves at most `connection_limit` (100) sockets and keeps a
silent one open for `channel_timeout` (120 s), so 110 half-open connections made the next
request wait 90 s. Here gunicorn pre-forks one process per core (SQLite in WAL mode with
IMMEDIATE transactions stays correct across processes), each with a pool of threads, and:

- a connection gets a thread only once its whole request head has arrived; until then the
  worker's poller gathers the bytes: a client that connects and says nothing, or trickles half
  a header (slowloris), costs a file descriptor, never a thread, and is closed after
  `io_timeout` seconds. gunicorn 27's stock gthread worker parks a new connection in a thread
  for 5 s and lets a half header block its thread, so 120 such sockets delayed a real request
  by 64 s, or for good (measured, docs/benchmarks/serving.md);
- every later read and write on the socket has a kernel time-out (SO_RCVTIMEO/SO_SNDTIMEO,
  `io_timeout`): a client that stalls its body or never reads its answer frees its thread;
- up to `worker_connections` sockets per worker, kept-alive connections closed after
  `keepalive` seconds, request line and header sizes bounded by gunicorn's defaults.

In production nginx stands in front (docs/deploy.md) and buffers slow clients anyway; these
settings keep the server sound when it is reached directly, as in the demo.
"""

from __future__ import annotations

import os
import selectors
import socket
import struct
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

__all__ = ["ServerOptions", "serve"]


@dataclass(frozen=True)
class ServerOptions:
    """How the server is sized and bounded; each value can be set from the environment."""

    workers: int
    threads: int = 8
    worker_connections: int = 1000
    keepalive: int = 5
    io_timeout: int = 10
    timeout: int = 60
    graceful_timeout: int = 30

    @classmethod
    def from_environment(cls) -> ServerOptions:
        """Workers default to the cores (JILIANG_WORKERS overrides); JILIANG_THREADS etc."""
        env = os.environ

        def number(name: str, default: int) -> int:
            text = env.get(name, "")
            if not text:
                return default
            if not (text.isascii() and text.isdigit()) or int(text) < 1:
                raise ValueError(f"{name}={text!r}: expected a whole number ≥ 1 (正整数)")
            return int(text)

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return cls(
            workers=number("JILIANG_WORKERS", cores or os.cpu_count() or 2),
            threads=number("JILIANG_THREADS", 8),
            worker_connections=number("JILIANG_WORKER_CONNECTIONS", 1000),
            keepalive=number("JILIANG_KEEPALIVE", 5),
            io_timeout=number("JILIANG_IO_TIMEOUT", 10),
            timeout=number("JILIANG_TIMEOUT", 60),
        )


_HEAD_LIMIT = 65536  # bytes of request head gathered in the poller before a thread takes over


def _worker_class() -> type:
    """Built lazily: gunicorn imports fcntl, which Windows lacks (the demo falls back there)."""
    from gunicorn.workers.gthread import TConn, ThreadWorker

    class PollFirstWorker(ThreadWorker):  # type: ignore[misc]
        """gthread whose connections get a thread only once a whole request head has arrived.

        Until then the bytes are gathered in the worker's poller (non-blocking reads), so
        silent sockets and slowloris clients that trickle a header cost a file descriptor and
        a few bytes each, never a thread; they are closed after `io_timeout` seconds.
        """

        def accept(self, listener: socket.socket) -> None:
            try:
                client, address = listener.accept()
            except OSError:
                return  # EAGAIN (another worker took it) or ECONNABORTED
            self.nr_conns += 1
            seconds = _io_timeout()
            limit = struct.pack("ll", seconds, 0)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
            conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking
            conn.head = bytearray()
            conn.timeout = time.monotonic() + seconds
            self.pending_conns.append(conn)
            self.poller.register(
                client, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
            )

        def _gather(self, conn: Any, waiting: Any) -> bool:
            """Read what is there; True once the head is complete (or TLS, or too long)."""
            if self.cfg.is_ssl:
                return True
            head = getattr(conn, "head", None)
            if head is None:
                head = conn.head = bytearray()
            try:
                chunk = conn.sock.recv(_HEAD_LIMIT)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                chunk = b""
            if not chunk:  # the client went away before asking anything
                self.poller.unregister(conn.sock)
                waiting.remove(conn)
                self.nr_conns -= 1
                conn.close()
                return False
            head += chunk
            return b"\r\n\r\n" in head or len(head) >= _HEAD_LIMIT

        def _hand_over(self, conn: Any) -> None:
            """Give the gathered bytes back to the connection's parser before a thread reads."""
            head = bytes(getattr(conn, "head", b""))
            conn.head = bytearray()
            if not head:
                return
            if conn.parser is None:
                conn.sock.setblocking(True)
                conn.init()
            conn.parser.unreader.unread(head)

        def on_pending_socket_readable(self, conn: Any, client: socket.socket) -> None:
            if self._gather(conn, self.pending_conns):
                self._hand_over(conn)
                super().on_pending_socket_readable(conn, client)

        def on_client_socket_readable(self, conn: Any, client: socket.socket) -> None:
            if self._gather(conn, self.keepalived_conns):
                self._hand_over(conn)
                super().on_client_socket_readable(conn, client)

    return PollFirstWorker


def _io_timeout() -> int:
    text = os.environ.get("JILIANG_IO_TIMEOUT", "")
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else 10


def _application(host: str, port: int, options: ServerOptions) -> Any:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": options.workers,
                "threads": options.threads,
                "worker_class": "jiliang.serving.PollFirstWorker",
                "worker_connections": options.worker_connections,
                "keepalive": options.keepalive,
                "timeout": options.timeout,
                "graceful_timeout": options.graceful_timeout,
                "control_socket_disable": True,
                "proc_name": "jiliang",
                "accesslog": os.environ.get("JILIANG_ACCESS_LOG") or None,
                "forwarded_allow_ips": os.environ.get("JILIANG_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from jiliang.wsgi import application

            return application

    return Server()


def __getattr__(name: str) -> Any:
    """`jiliang.serving.PollFirstWorker`, the dotted name gunicorn loads in each worker."""
    if name == "PollFirstWorker":
        return _worker_class()
    raise AttributeError(name)


def serve(host: str, port: int, options: ServerOptions | None = None) -> None:
    """Run gunicorn in the foreground until Ctrl+C/SIGTERM (the parent holds no database link)."""
    from django.db import connections

    options = options or ServerOptions.from_environment()
    connections.close_all()  # the migration's connection must not be shared by forked workers
    os.environ["JILIANG_IO_TIMEOUT"] = str(options.io_timeout)  # read by each worker
    print(
        f"jiliang: gunicorn on http://{host}:{port}/ ({options.workers} workers × "
        f"{options.threads} threads; {asdict(options)})",
        file=sys.stderr,
    )
    _application(host, port, options).run()
