"""Time of `jiliang notify` at national scale: each collector, a dry run, two real runs.

Runs on a COPY of a database that `registry_scale.py --keep` left behind (10^6
instruments): it stores notices, and `--spread` rewrites every instrument's cached due date
(over 2026-2027) and adds one user per institution, so that about 41,000 instruments are due
and 207,000 overdue on 2026-06-01. E-mail goes to an aiosmtpd server on 127.0.0.1.

    cp /tmp/jl-bench-…/jiliang.sqlite3 /tmp/copy.sqlite3
    .venv/bin/python benchmarks/notify_scale.py --sqlite-path /tmp/copy.sqlite3 --spread
    createdb -T jl_bench notify_bench   # PostgreSQL: a copy of the kept database
    .venv/bin/python benchmarks/notify_scale.py --pg-database notify_bench --spread

Figures of 2026-12-06 are in docs/notices.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kept_db

ON = dt.date(2026, 6, 1)


class Count:
    def __init__(self) -> None:
        self.n = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.n += 1
        return "250 OK"


def spread() -> None:
    from django.db import connection

    from jiliang.accounts.models import User
    from jiliang.registry.models import Institution

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE registry_instrument"
                " SET due_date = date('2026-01-01', '+' || (id % 730) || ' days')"
            )
        else:
            cursor.execute(
                "UPDATE registry_instrument SET due_date = date '2026-01-01' + (id % 730)::int"
            )
            cursor.execute("ANALYZE registry_instrument")
    for inst in Institution.objects.all():
        User.objects.get_or_create(
            username=f"bench-{inst.pk}",
            defaults={
                "institution": inst,
                "role": "regulator" if inst.kind == "regulator" else "owner",
                "email": f"bench-{inst.pk}@example.test",
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _kept_db.add_arguments(parser)
    parser.add_argument("--spread", action="store_true", help="rewrite due dates (a copy!)")
    args = parser.parse_args()
    backend = _kept_db.open_kept(parser, args)
    from aiosmtpd.controller import Controller
    from django.conf import settings

    from jiliang.notices import collect, services

    if args.spread:
        spread()
    for kind, gather in collect.COLLECTORS.items():
        start = time.perf_counter()
        n = sum(1 for _ in gather(ON, collect.Scope()))
        print(f"{backend} {kind}: {n} candidates, {time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    found = services.run(ON, collect.Scope(), dry_run=True).as_json()["found"]
    print(f"{backend} dry run: {found} notices, {time.perf_counter() - start:.3f} s")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    received = Count()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    try:
        for run in (1, 2):
            start = time.perf_counter()
            data = services.run(ON, collect.Scope()).as_json()
            print(
                f"{backend} run {run}: {time.perf_counter() - start:.2f} s, new {data['new']},"
                f" mailed {data['mailed']}, failed {data['failed']}, server has {received.n}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
