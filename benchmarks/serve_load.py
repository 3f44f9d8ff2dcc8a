"""The served platform under load: `jiliang serve` on the demo database, before and after.

Why: a server is judged by what a crowd of clients sees, not by one request. For each target
(four pages and two API endpoints, as the demo's city laboratory) the script measures

- saturation: requests/s that --clients keep-alive connections get, each sending its next
  request as soon as the last one is answered (closed loop);
- p50/p99 latency at 70 % of that rate, requests sent on a fixed schedule whatever the server
  does (open loop; latency counted from the scheduled instant, so queueing is not hidden);
- the same 70 % schedule while 120 half-open connections are held (re-opened whenever the
  server closes one): sockets that connect and send nothing, or half a request header;
- one mixed run of 200 keep-alive clients over all targets (the issue's p99 of 32–64 s).

Each server is started by the script as `jiliang serve` on 127.0.0.1: first the old one
(JILIANG_SERVER=waitress), then the new one (gunicorn), and the figures are printed side by
side. The load client is asyncio on raw sockets in this process: on a 2-core machine it
takes CPU from the server, the same for both servers. Every phase is bounded in time; a
request unanswered after --timeout seconds counts as failed.

    .venv/bin/python benchmarks/serve_load.py [--data-dir DIR] [--seconds 6] [--servers waitress,gunicorn]

--data-dir keeps the demo database between runs (built there on first use, ~1 min).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import python_loop_seconds

ROOT = Path(__file__).resolve().parents[1]
HELD = 120


@dataclass
class Result:
    done: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def ms(self, q: float) -> str:
        return f"{self.quantile(q) * 1000:.0f}"

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the demo database, a session and a token -----------------------------------------------


def prepare(data_dir: Path) -> dict[str, str]:
    """Build the demo once in data_dir; return the session cookie, token and target paths."""
    os.environ["JILIANG_DATA_DIR"] = str(data_dir)
    os.environ.pop("JILIANG_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections

    from jiliang.accounts.models import ApiToken, User
    from jiliang.registry.models import Instrument

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="zibo_lab").exists():
        from jiliang.demo import build_everything

        started = time.perf_counter()
        build_everything()
        print(f"demo built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    user = User.objects.get(username="zibo_lab")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _, raw = ApiToken.issue(user, "serve_load benchmark", days=1)
    scale = Instrument.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[0]
    connections.close_all()
    return {
        "cookie": f"sessionid={session.session_key}",
        "token": raw,
        "home": "/",
        "instrument list": "/instruments/",
        "certificate list": "/certificates/",
        "trace up": f"/instruments/{scale}/trace-up/",
        "API instrument list": "/api/instruments?limit=25",
        "API instrument detail": f"/api/instruments/{scale}",
    }


# --- an HTTP/1.1 keep-alive client on raw sockets ------------------------------------------


def request_bytes(path: str, auth: dict[str, str]) -> bytes:
    header = (
        f"Authorization: Bearer {auth['token']}\r\n"
        if path.startswith("/api/")
        else f"Cookie: {auth['cookie']}\r\n"
    )
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}\r\n".encode()


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if headers.get("connection", "").lower() == "close":
        raise ConnectionResetError("server closes")
    return status


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, data: bytes) -> int:
        for attempt in (1, 2):  # a kept-alive socket the server closed meanwhile: reconnect once
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            try:
                writer.write(data)
                await writer.drain()
                return await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def closed_loop(
    port: int, requests: list[bytes], clients: int, seconds: float, timeout: float
) -> Result:
    result = Result()
    stop = time.monotonic() + seconds

    async def client(index: int) -> None:
        conn = Connection(port)
        i = index
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = await asyncio.wait_for(conn.get(requests[i % len(requests)]), timeout)
                ok = status == 200
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                ok = False
                conn.close()
            i += 1
            if ok:
                result.done += 1
                result.latencies.append(time.monotonic() - started)
            else:
                result.failed += 1
        conn.close()

    began = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.elapsed = time.monotonic() - began
    return result


async def open_loop(
    port: int, requests: list[bytes], rate: float, seconds: float, timeout: float
) -> Result:
    """Requests at a fixed rate; each takes an idle kept-alive connection or opens one."""
    result = Result()
    idle: list[Connection] = []
    tasks = []

    async def one(scheduled: float, data: bytes) -> None:
        conn = idle.pop() if idle else Connection(port)
        try:
            status = await asyncio.wait_for(conn.get(data), timeout)
            ok = status == 200
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            ok = False
        if ok:
            result.done += 1
            result.latencies.append(time.monotonic() - scheduled)
            idle.append(conn)
        else:
            result.failed += 1
            conn.close()

    start = time.monotonic()
    count = max(1, int(rate * seconds))
    for n in range(count):
        scheduled = start + n / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, requests[n % len(requests)])))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return result


async def hold_half_open(port: int, opening: bytes, stop: asyncio.Event) -> None:
    """Keep HELD sockets open that never finish a request; re-open any the server closes."""

    async def holder() -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            if opening:
                writer.write(opening)
            try:
                stopped = asyncio.create_task(stop.wait())
                closed = asyncio.create_task(reader.read(1))
                await asyncio.wait({stopped, closed}, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                closed.cancel()
            finally:
                writer.close()

    await asyncio.gather(*(holder() for _ in range(HELD)))


async def with_half_open(
    port: int, opening: bytes, requests: list[bytes], rate: float, args: argparse.Namespace
) -> Result:
    stop = asyncio.Event()
    holders = asyncio.create_task(hold_half_open(port, opening, stop))
    await asyncio.sleep(1.0)
    try:
        return await open_loop(port, requests, rate, args.seconds, args.timeout)
    finally:
        stop.set()
        await holders


# --- the servers ------------------------------------------------------------------------------


def start_server(kind: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_")}
    env |= {"JILIANG_DATA_DIR": str(data_dir), "JILIANG_SERVER": kind}
    jiliang = Path(sys.executable).with_name("jiliang")
    log = open(data_dir / f"server-{kind}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [str(jiliang), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1"):
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"{kind} did not start; see {data_dir}/server-{kind}.log")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(kind: str, auth: dict[str, str], data_dir: Path, args: argparse.Namespace) -> dict:
    port = free_port()
    server = start_server(kind, port, data_dir)
    rows: dict[str, dict[str, str]] = {}
    try:
        targets = {k: v for k, v in auth.items() if k not in ("cookie", "token")}
        for path in targets.values():  # warm every worker's imports and templates
            for _ in range(8):
                asyncio.run(closed_loop(port, [request_bytes(path, auth)], 1, 0.01, 30))
        for name, path in targets.items():
            requests = [request_bytes(path, auth)]
            sat = asyncio.run(closed_loop(port, requests, args.clients, args.seconds, args.timeout))
            rate = max(1.0, 0.7 * sat.rate)
            calm = asyncio.run(open_loop(port, requests, rate, args.seconds, args.timeout))
            row = {
                "sat": f"{sat.rate:.0f}",
                "p50/p99 at 70%": f"{calm.ms(0.5)} / {calm.ms(0.99)} ms"
                + (f", {calm.failed} failed" if calm.failed else ""),
            }
            for label, opening in (("silent", b""), ("half-header", b"GET / HTTP/1.1\r\n")):
                held = asyncio.run(with_half_open(port, opening, requests, rate, args))
                row[f"+{HELD} {label}"] = (
                    f"{held.ms(0.5)} / {held.ms(0.99)} ms" if held.done else "—"
                ) + (f", {held.failed} of {held.done + held.failed} failed" if held.failed else "")
            rows[name] = row
            print(f"  {kind:8} {name:22} {row}", file=sys.stderr)
        everything = [request_bytes(p, auth) for p in targets.values()]
        crowd = asyncio.run(closed_loop(port, everything, 200, args.seconds, args.timeout))
        rows["200 keep-alive clients, mixed"] = {
            "sat": f"{crowd.rate:.0f}",
            "p50/p99 at 70%": (
                f"(closed loop) {crowd.ms(0.5)} / {crowd.ms(0.99)} ms"
                + (f", {crowd.failed} failed" if crowd.failed else "")
            ),
            f"+{HELD} silent": "",
            f"+{HELD} half-header": "",
        }
    finally:
        stop_server(server)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop connections")
    parser.add_argument("--timeout", type=float, default=15.0, help="a request fails after")
    parser.add_argument("--servers", default="waitress,gunicorn")
    args = parser.parse_args()
    random.seed(1)
    data_dir = args.data_dir or Path(f"/tmp/jiliang-serve-load-{os.getpid()}")
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"python loop: {python_loop_seconds():.2f} s; cores: {os.cpu_count()}", file=sys.stderr)
    auth = prepare(data_dir)
    results = {kind: measure(kind, auth, data_dir, args) for kind in args.servers.split(",")}
    columns = ["sat", "p50/p99 at 70%", f"+{HELD} silent", f"+{HELD} half-header"]
    print(
        f"\n{args.seconds:.0f} s per phase, {args.clients} closed-loop clients, timeout {args.timeout:.0f} s"
    )
    header = "| target | " + " | ".join(f"{k}: {c}" for c in columns for k in results) + " |"
    print(header)
    print("|" + "---|" * (1 + len(columns) * len(results)))
    for name in next(iter(results.values())):
        cells = [results[k][name][c] for c in columns for k in results]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
