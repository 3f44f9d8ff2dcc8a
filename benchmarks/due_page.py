"""The due page and the home page (its due counts and charts) at national scale, per role,
for two versions of the code side by side (issue 13: the worst page, a large scope's due
page at about 1 s, under 300 ms at p95).

Runs on a database that `registry_scale.py --keep` left behind (10^6 instruments). Each
version of the code (a source tree: `--src`, repeated) runs in its own process, one after
the other per round, on the same database; the figures are printed side by side.

    .venv/bin/python benchmarks/due_page.py --sqlite-path /tmp/bench1m/due.sqlite3 \
        --src /tmp/due_before/src --src src --repeat 10

Prints, per user and page, p50 / p95 (nearest rank) of --repeat requests after one
warm-up request, wall and CPU of the process, in ms, through Django's test client. The home
page is timed with its charts' cache cleared before every request (the first visit of the
day: the worst case). The big owner is `基准测试企业00000` (`--big-owner` of the build).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_P95_MS = 300.0
USERS = ("admin", "regulator_sd", "bench_big_owner", "zibo_lab", "regulator_zb")
BIG_OWNER = "基准测试企业00000"


def pages(big_owner: int) -> dict[str, str]:
    return {
        "due page": "/due/",
        "due page, page 5": "/due/?page=5",
        "due page, region 370300": "/due/?region=370300",
        "due page, the big owner": f"/due/?owner={big_owner}",
        "home page, charts uncached": "/",
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _user(username: str, big_owner: object) -> object:
    from jiliang.accounts.models import User
    from jiliang.registry.models import Institution

    if username == "bench_big_owner":
        user, _ = User.objects.get_or_create(
            username=username, defaults={"institution": big_owner, "role": "owner"}
        )
        return user
    if username == "regulator_zb":  # a city regulator (Zibo), made if the demo has none
        city = Institution.objects.filter(kind="regulator", division_code="370300").first()
        user, _ = User.objects.get_or_create(
            username=username, defaults={"institution": city, "role": "regulator"}
        )
        return user
    return User.objects.get(username=username)


def measure(args: argparse.Namespace) -> None:
    """One version of the code (the one on sys.path): print its figures as JSON."""
    sys.path.insert(0, str(HERE))
    import _kept_db

    # _kept_db puts this checkout's src first; the version measured goes before it
    sys.path.insert(0, os.environ["DUE_BENCH_SRC"])
    import jiliang

    assert jiliang.__file__.startswith(os.environ["DUE_BENCH_SRC"]), jiliang.__file__
    _kept_db.open_kept(argparse.ArgumentParser(), args)
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiliang.registry.models import Institution

    setup_test_environment()
    big = Institution.objects.get(name_zh=BIG_OWNER)
    out: dict[str, dict[str, list[float]]] = {}
    for username in args.users.split(","):
        client = Client()
        client.force_login(_user(username, big))
        client.get("/due/")  # imports and templates
        for name, path in pages(big.pk).items():
            if not re.search(args.only, name):
                continue
            wall, cpu = [], []
            for _ in range(args.repeat + 1):
                cache.clear()  # the home charts' cache: every request is a first visit
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, (username, path, response.status_code)
            out[f"{username}|{name}"] = [
                percentile(wall[1:], 50),
                percentile(wall[1:], 95),
                percentile(cpu[1:], 50),
                percentile(cpu[1:], 95),
            ]
            print(f"# {username} {name}: {out[f'{username}|{name}']}", file=sys.stderr)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-path", default="")
    parser.add_argument("--pg-database", default="")
    parser.add_argument("--src", action="append", default=[], help="a source tree (repeat)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--users", default=",".join(USERS))
    parser.add_argument("--only", default="", help="a regular expression over page names")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    sources = args.src or [str(HERE.parent / "src")]
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results = {}
    for src in sources:
        env = {**os.environ, "DUE_BENCH_SRC": str(Path(src).resolve())}
        command = [sys.executable, __file__, "--measure", "--repeat", str(args.repeat)]
        command += ["--users", args.users, "--only", args.only]
        if args.sqlite_path:
            command += ["--sqlite-path", args.sqlite_path]
        else:
            command += ["--pg-database", args.pg_database]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{src} failed:\n{done.stderr[-3000:]}")
        results[src] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"measured {src}; load {os.getloadavg()[0]:.1f}", flush=True)
        print("\n".join(line for line in done.stderr.splitlines() if line.startswith("# ")))
    keys = list(next(iter(results.values())))
    print("\nwall p50 / p95, CPU p50 (ms), per source tree: " + " | ".join(sources))
    worst = {src: (0.0, "") for src in sources}
    for key in keys:
        cells = []
        for src in sources:
            w50, w95, c50, _ = results[src][key]
            cells.append(f"{w50:7.0f} / {w95:6.0f}, {c50:6.0f}")
            if w95 > worst[src][0]:
                worst[src] = (w95, key)
        print(f"{key:50} " + " | ".join(cells))
    for src, (p95, key) in worst.items():
        print(f"worst p95 {src}: {p95:.0f} ms ({key}); target < {TARGET_P95_MS:.0f} ms")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
