"""Server time of the registry's list pages at national scale, per kind of user: the lists
with their sort, filter and export (issue 13 §1, "Done when": none slower than today's
pages, the worst under 300 ms at p95), the due list and the trace down.

Runs on a database that `registry_scale.py --keep` left behind (10^6 instruments, 2×10^6
certificates) and reads only. Why per user: a regulator or a laboratory sees part of the
registry, and every one of its queries adds that restriction, which can change the plan.

    .venv/bin/python benchmarks/registry_pages.py --sqlite-path /tmp/lists_bench/full.sqlite3
    .venv/bin/python benchmarks/registry_pages.py --pg-database jiliang_bench --repeat 20

Prints, per user and page, p50 and p95 (nearest rank) of --repeat requests after one
warm-up request, in milliseconds, through Django's test client; --json-out keeps them.
An export is timed to its last byte (a CSV is streamed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kept_db

USERS = ("admin", "regulator_sd", "zibo_lab", "nim_lab", "market")
TARGET_P95_MS = 300.0
BENCH_OWNER = "基准测试企业00001"  # a typical generated owner (about 500 instruments)


def pages(kilogram: int, owner: int, instrument: int = 0) -> dict[str, str]:
    return {
        "instrument list": "/instruments/",
        "instrument list, sort serial": "/instruments/?sort=serial_number",
        "instrument list, sort name": "/instruments/?sort=name",
        "instrument list, sort due desc": "/instruments/?sort=-due",
        "instrument list, search": "/instruments/?q=BENCH0000099",
        "instrument list, status filter": "/instruments/?status=in_service",
        "instrument list, page 40": "/instruments/?page=40",
        "instrument export csv (one owner)": f"/instruments/?owner={owner}&export=csv",
        "instrument export xlsx (one owner)": f"/instruments/?owner={owner}&export=xlsx",
        "instrument export, over the cap": "/instruments/?export=csv",
        "certificate list": "/certificates/",
        "certificate list, sort number": "/certificates/?sort=number",
        "certificate list, sort date asc": "/certificates/?sort=calibration_date",
        "certificate list, conclusion filter": "/certificates/?conclusion=pass",
        "institution list": "/institutions/",
        "institution list, sort name": "/institutions/?sort=name_zh",
        "institution export csv": "/institutions/?export=csv",
        "people list": "/people/",
        "standard list, sort code": "/standards/?sort=-code",
        "material list": "/materials/",
        "catalogue list": "/catalogue/",
        "scheme list": "/schemes/",
        "instrument form, new": "/records/instruments/new/",
        "instrument form, edit (one owner's)": f"/records/instruments/{instrument}/edit/",
        "due list": "/due/",
        "trace down of the kilogram": f"/standards/{kilogram}/trace-down/",
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _kept_db.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--users", default=",".join(USERS))
    parser.add_argument("--only", default="", help="a regular expression over page names")
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()
    backend = _kept_db.open_kept(parser, args)
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiliang.accounts.models import User
    from jiliang.registry.models import Institution, Instrument, MeasurementStandard

    setup_test_environment()
    kilogram = MeasurementStandard.objects.get(code="GJJ(力)0101").pk
    owner = Institution.objects.get(name_zh=BENCH_OWNER).pk
    instrument = Instrument.objects.filter(owner_id=owner).order_by("id").values_list("pk")[0][0]
    chosen = {
        name: path
        for name, path in pages(kilogram, owner, instrument).items()
        if re.search(args.only, name)
    }
    users = args.users.split(",")
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    # CPU of this process (Python and SQLite, which runs in it): steadier on a loaded machine
    cpu_results: dict[str, dict[str, tuple[float, float]]] = {}
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/instruments/")  # warm up imports and templates
        for name, path in chosen.items():
            times = []
            cpu = []
            status = 0
            for _ in range(args.repeat + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                if response.streaming:
                    for _chunk in response.streaming_content:
                        pass
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                status = response.status_code
                # 403/404: a form this role may not open (its refusal is timed)
                assert status in (200, 400, 403, 404), (username, path, status)
            sample = times[1:]
            row = (percentile(sample, 50), percentile(sample, 95), status)
            results.setdefault(name, {})[username] = row
            cpu_p50, cpu_p95 = percentile(cpu[1:], 50), percentile(cpu[1:], 95)
            cpu_results.setdefault(name, {})[username] = (cpu_p50, cpu_p95)
            print(
                f"[{username}] {name}: p50 {row[0]:.0f} ms, p95 {row[1]:.0f} ms ({status}); "
                f"CPU p50 {cpu_p50:.0f} ms, p95 {cpu_p95:.0f} ms"
            )
            sys.stdout.flush()
    print(f"\nregistry list pages at scale ({backend}), p50 / p95 of {args.repeat} (ms)")
    print(f"{'page':38} " + " ".join(f"{u:>15}" for u in users))
    worst = (0.0, "", "")
    for name, row in results.items():
        cells = []
        for u in users:
            p50, p95, status = row[u]
            mark = {400: "*", 403: "-", 404: "-"}.get(status, " ")
            cells.append(f"{p50:6.0f} / {p95:5.0f}{mark}")
            if p95 > worst[0]:
                worst = (p95, name, u)
        print(f"{name:38} " + " ".join(f"{c:>15}" for c in cells))
    print("(* answered 400: a refusal, e.g. an export over its cap; - 403/404: not this role's)")
    print(f"\nCPU of this process, p50 / p95 (ms); load at end {os.getloadavg()[0]:.1f}")
    for name, row in cpu_results.items():
        print(f"{name:38} " + " ".join(f"{row[u][0]:6.0f} / {row[u][1]:5.0f} " for u in users))
    print(f"worst p95: {worst[0]:.0f} ms ({worst[1]}, {worst[2]}); target < {TARGET_P95_MS:.0f} ms")
    if args.json_out:
        out = {"wall": results, "cpu": cpu_results, "load_end": os.getloadavg()}
        Path(args.json_out).write_text(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
