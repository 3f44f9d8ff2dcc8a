"""Two or three real `jiliang energy export` processes at once, for the same user and
profile, against the real local HTTP platform and a real database (a file copy of the SQLite
test database, or the PostgreSQL test database itself): every message is POSTed exactly once
in total and every state update is kept. Then the claim's edges in one process: a crashed
run's claim expires, a live one stops the run and refuses a withdrawal."""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.energy.platform_server import Platform
from tests.monitoring.site import Site, build_site

JILIANG = str(Path(sys.executable).parent / "jiliang")
DAYS = 10


class Slow(Platform):
    """The test platform (generic answers), each POST held until ``gate`` is open and then
    ``delay`` seconds; ``most`` is the largest number of POSTs of one id in flight at once."""

    def __init__(self, delay: float, *, gated: bool = False) -> None:
        super().__init__()
        self.gate = threading.Event()
        if not gated:
            self.gate.set()
        self.delay = delay
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.most = 0
        base: Any = self.server.RequestHandlerClass
        platform = self

        class Handler(base):  # type: ignore[misc,valid-type]
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                mid = json.loads(raw)["message_id"]
                with platform.lock:
                    platform.in_flight[mid] += 1
                    platform.most = max(platform.most, platform.in_flight[mid])
                platform.gate.wait(60)
                time.sleep(platform.delay)
                self.rfile = io.BytesIO(raw)
                super().do_POST()
                with platform.lock:
                    platform.in_flight[mid] -= 1

        self.server.RequestHandlerClass = Handler


def queue_days(site: Site, days: int = DAYS) -> list[str]:
    """One generic-v1 message per day of May 2026 from hand-made figures; their ids by day."""
    from jiliang.energy.export import CST, Figure, build_messages, load_profile
    from jiliang.monitoring.export_outbox import queue

    profile = load_profile("generic-v1")
    figures = [
        Figure("E-MAIN", "electricity", "day",
               dt.datetime(2026, 5, 1 + i, tzinfo=CST), 1000.0 + i, "kWh", "ok")
        for i in range(days)
    ]  # fmt: skip
    built = build_messages(profile, site.energy_user.code, figures)
    queue(site.energy_user, profile, built)
    return [m.message_id for m in built]


def database_for_processes(tmp_path: Path) -> tuple[dict[str, str], Callable[[], list[Any]]]:
    """The environment that points a `jiliang` process at the test's data, and a reader of the
    outbox rows (day, state, attempts, claimed_by) as those processes left them."""
    from django.db import connection

    from jiliang.monitoring.export_models import ProvincialExport

    env = {k: v for k, v in os.environ.items() if k != "JILIANG_DATABASE_URL"}
    env["JILIANG_DATA_DIR"] = str(tmp_path / "var")
    columns = "day, state, attempts, claimed_by"
    if connection.vendor == "sqlite":
        # the test database is in memory: the processes get a file copy of it (WAL, the
        # settings' IMMEDIATE transactions and busy timeout, as in production)
        path = tmp_path / "jiliang.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        env["JILIANG_SQLITE_PATH"] = str(path)
        table = ProvincialExport._meta.db_table

        def read() -> list[Any]:
            with sqlite3.connect(path) as db:
                found = db.execute(f"SELECT {columns} FROM {table} ORDER BY day").fetchall()
            return [(dt.date.fromisoformat(d), s, a, c) for d, s, a, c in found]

        return env, read
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    env["JILIANG_DATABASE_URL"] = f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"

    def read_pg() -> list[Any]:
        rows = ProvincialExport.objects.order_by("day")
        return [tuple(r) for r in rows.values_list(*columns.split(", "))]

    return env, read_pg


def start_run(url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [JILIANG, "energy", "export", "--user", "NM-ALU-01", "--endpoint", url, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def committed_site(transactional_db: Any, energy_root: Path) -> Site:
    return build_site()


def test_a_run_holding_the_queue_leaves_the_other_nothing_to_send_twice(
    committed_site: Site, tmp_path: Path
) -> None:
    ids = queue_days(committed_site)
    env, read = database_for_processes(tmp_path)
    with Slow(0.0, gated=True) as platform:
        runs = [start_run(platform.url, env), start_run(platform.url, env)]
        # one run claims the first day and waits in its POST; the other finds it claimed
        deadline = time.monotonic() + 90
        while all(r.poll() is None for r in runs) and time.monotonic() < deadline:
            time.sleep(0.05)
        (second,) = [r for r in runs if r.returncode is not None]
        (first,) = [r for r in runs if r is not second]
        out, err = second.communicate()
        assert second.returncode == 1, err
        assert "left to another run" in err and "is being sent by" in err
        assert json.loads(out)["acknowledged"] == []
        assert sum(platform.in_flight.values()) == 1  # the first run's POST, at the gate
        platform.gate.set()
        out, err = first.communicate(timeout=90)
        assert first.returncode == 0, err
        assert len(json.loads(out)["acknowledged"]) == DAYS
    assert [b["message_id"] for b in platform.received] == ids  # each once, in day order
    assert platform.most == 1
    assert [(r[1], r[2], r[3]) for r in read()] == [("acknowledged", 1, "")] * DAYS


def test_three_runs_at_once_post_every_message_exactly_once(
    committed_site: Site, tmp_path: Path
) -> None:
    ids = queue_days(committed_site)
    env, read = database_for_processes(tmp_path)
    with Slow(0.2) as platform:
        runs = [start_run(platform.url, env) for _ in range(3)]
        results = [(r.wait(90), r.stderr.read() if r.stderr else "") for r in runs]
        for run in runs:
            for stream in (run.stdout, run.stderr):
                if stream:
                    stream.close()
    assert {code for code, _ in results} <= {0, 1}, results
    assert 0 in {code for code, _ in results}, results
    posted = collections.Counter(b["message_id"] for b in platform.received)
    assert sorted(posted) == sorted(ids) and set(posted.values()) == {1}
    assert len(platform.headers) == DAYS and platform.most == 1
    assert [(r[1], r[2], r[3]) for r in read()] == [("acknowledged", 1, "")] * DAYS


def test_a_crashed_runs_claim_expires(site: Site) -> None:
    from jiliang.monitoring.export_models import ProvincialExport

    ids = queue_days(site, 2)
    ProvincialExport.objects.filter(message_id=ids[0]).update(
        state="sent", attempts=1, claimed_by="host:99:dead",
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )  # fmt: skip
    from jiliang.cli.main import app
    from tests.monitoring.test_export import runner

    with Platform() as platform:
        res = runner.invoke(app, ["energy", "export", "--user", "NM-ALU-01",
                                  "--endpoint", platform.url])  # fmt: skip
        assert res.exit_code == 0, res.output
    assert [b["message_id"] for b in platform.received] == ids
    rows = list(ProvincialExport.objects.order_by("day"))
    assert [(r.state, r.attempts, r.claimed_by, r.claimed_until) for r in rows] == [
        ("acknowledged", 2, "", None), ("acknowledged", 1, "", None),
    ]  # fmt: skip


def test_a_live_claim_stops_the_run_and_refuses_a_withdrawal(site: Site) -> None:
    from jiliang.cli.main import app
    from jiliang.monitoring.export_models import ProvincialExport
    from tests.monitoring.test_export import runner

    ids = queue_days(site, 2)
    until = timezone.now() + dt.timedelta(minutes=5)
    ProvincialExport.objects.filter(message_id=ids[0]).update(
        state="sent", attempts=1, claimed_by="host:7:live", claimed_until=until
    )
    with Platform() as platform:
        res = runner.invoke(app, ["energy", "export", "--user", "NM-ALU-01",
                                  "--endpoint", platform.url])  # fmt: skip
        assert res.exit_code == 1, res.output
        assert f"message {ids[0]} (2026-05-01) is being sent by host:7:live" in res.stderr
    assert platform.headers == []  # the later day waits too: the queue goes in day order
    res = runner.invoke(app, ["energy", "export-withdraw", "--user", "NM-ALU-01",
                              "--message", ids[0], "--reason", "x"])  # fmt: skip
    assert res.exit_code == 2 and "being sent by run host:7:live right now" in res.stderr
    rows = list(ProvincialExport.objects.order_by("day"))
    assert [(r.state, r.attempts, r.claimed_by) for r in rows] == [
        ("sent", 1, "host:7:live"), ("pending", 0, ""),
    ]  # fmt: skip


def test_an_acknowledgement_is_kept_even_when_the_claim_ran_out(site: Site) -> None:
    """A run whose claim expired and was taken over still records the platform's
    acknowledgement (a fact); a transient error it saw is not written over the new claim."""
    from jiliang.energy.export import Outcome
    from jiliang.monitoring.export_models import ProvincialExport
    from jiliang.monitoring.export_outbox import _settle, claim

    ids = queue_days(site, 2)
    first, second = ProvincialExport.objects.order_by("day")
    for row in (first, second):
        assert claim(row, "run-a", "http://x/", dt.timedelta(seconds=-1))  # already expired
        assert claim(row, "run-b", "http://x/", dt.timedelta(minutes=5))  # taken over
        assert not claim(row, "run-c", "http://x/", dt.timedelta(minutes=5))  # b's is live
    assert _settle(first, "run-a", Outcome(True, 200, "", f'{{"ack":"{ids[0]}"}}')) == (
        "acknowledged"
    )
    _settle(second, "run-a", Outcome(False, 503, "HTTP 503", ""))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.attempts, first.acknowledged_at is not None) == (
        "acknowledged", 2, True,
    )  # fmt: skip
    assert (second.state, second.attempts, second.last_error, second.claimed_by) == (
        "sent", 2, "", "run-b",
    )  # fmt: skip
