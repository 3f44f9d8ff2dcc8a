"""A real `jiliang serve` process on a fresh data directory (SQLite), for the durability test
and the ingest benchmark. The site is built by a separate process before the server starts."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from jiliang.accounts.models import ApiToken, User
from jiliang.monitoring.models import EnergyUser
if not EnergyUser.objects.filter(code="NM-ALU-01").exists():
    from tests.monitoring.site import build_site
    build_site()
print(ApiToken.issue(User.objects.get(username="alu"), "gateway")[1])
"""


def env_for(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_")}
    env |= {
        "JILIANG_DATA_DIR": str(data),
        "JILIANG_ENERGY_DATA": str(data / "energy"),
        "JILIANG_WORKERS": "2",
        "JILIANG_THREADS": "8",
        "DJANGO_SETTINGS_MODULE": "jiliang.settings",
        "PYTHONPATH": str(ROOT),
    }
    return env


def setup_site(data: Path) -> str:
    """Migrate the fresh database, build the test site, return a bearer token of `alu`."""
    done = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=env_for(data),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    jiliang = Path(sys.executable).with_name("jiliang")
    server = subprocess.Popen(
        [str(jiliang), "serve", "--port", str(port)],
        env=env_for(data),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(data / "server.log", "ab"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/energy/users", timeout=5):
                return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log = (data / "server.log").read_text(errors="replace")
                raise AssertionError(f"jiliang serve did not start:\n{log[-3000:]}") from None
            time.sleep(0.3)


def kill_hard(server: subprocess.Popen[bytes]) -> None:
    """kill -9 of the whole server (master and workers), no chance to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_hard(server)


def post(port: int, token: str, body: bytes, timeout: float = 60) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/energy/uploads",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
