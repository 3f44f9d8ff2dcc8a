"""A real HTTP server in a thread that plays a provincial platform for the export tests: it
records every body it receives, stores each message id once and acknowledges it, and can be
told to fail the first requests (503) or to answer without an acknowledgement."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Platform:
    def __init__(self, id_field: str = "message_id", answer: str = "generic") -> None:
        self.id_field = id_field
        self.answer = answer  # "generic": {"ack": id}; "nm": {"code": "0", "msgId": id}
        self.fail_next = 0
        self.received: list[dict[str, Any]] = []  # every body, in order
        self.headers: list[dict[str, str]] = []
        self.stored: dict[str, dict[str, Any]] = {}  # message id -> first body
        self.lock = threading.Lock()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                with platform.lock:
                    platform.headers.append(dict(self.headers.items()))
                    if platform.fail_next > 0:
                        platform.fail_next -= 1
                        self._answer(503, b'{"error": "busy"}')
                        return
                    body = json.loads(raw)
                    platform.received.append(body)
                    mid = body[platform.id_field]
                    platform.stored.setdefault(mid, body)
                if platform.answer == "nm":
                    reply = {"code": "0", "msgId": mid}
                elif platform.answer == "no-ack":
                    reply = {"status": "queued"}
                else:
                    reply = {"ack": mid}
                self._answer(200, json.dumps(reply).encode())

            def _answer(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/energy/upload"

    def __enter__(self) -> Platform:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
