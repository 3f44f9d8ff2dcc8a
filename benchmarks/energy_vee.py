"""VEE + daily aggregation: embedded engine vs the plain DuckDB GROUP BY floor vs Dask (issue 14).

Generates N readings (15-min data, half register and half interval points, 2 % gaps, a few
duplicates, off-grid timestamps) as one Parquet file, then measures in separate child
processes (so each peak RSS is its own):

1. floor: DuckDB ``SELECT point, day, sum(value), count(*) ... GROUP BY`` over the file;
2. embedded: ``jiliang.energy.evaluate`` (full check of the file, VEE, daily energy, accounts);
3. dask: the same on a LocalCluster of 2 worker processes started beforehand (the run gets
   ``--scheduler``), plus the cluster start-up time on its own; results must equal (2).

Each job runs ``--repeat`` times (default 3), floor and embedded alternated so both see the
same load; the best wall time is compared, with its CPU time (user + system, all threads) and
the peak RSS of all runs. Imports and parsing SITE.yaml are timed apart (printed).

Anchor (issue 14): 10^8 readings, embedded within 2x of the floor, peak memory < 4 GB.
Run: ``.venv/bin/python benchmarks/energy_vee.py --readings 2000000 10000000``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DAYS = 30


def generate(n: int, folder: Path, days: int = DAYS) -> tuple[Path, Path, int]:
    """Write site.yaml and readings.parquet with about n readings over ``days`` days (more
    days, fewer points: SITE.yaml stays under its 1 MB bound); return their paths, rows."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    per_point = days * 96
    n_points = max(2, n // per_point)
    rng = np.random.default_rng(14)
    start = 1_767_196_800  # 2026-01-01T00:00:00+08:00 as epoch seconds
    points = []
    writer = None
    path = folder / "readings.parquet"
    rows = 0
    for i in range(n_points):
        register = i % 2 == 0
        pid = f"P{i:06d}"
        points.append(
            {
                "id": pid,
                "variety": "electricity",
                "kind": "register" if register else "interval",
                "unit": "kWh",
                "interval_minutes": 15,
                "accuracy_class": 0.5,
                **({"rollover": 99999.9} if register else {}),
            }
        )
        times = start + np.arange(per_point + 1 if register else per_point) * 900
        steps = rng.uniform(0.5, 3.0, len(times))
        values = np.round(np.cumsum(steps) + 1000.0 * (i % 90), 1) if register else steps
        keep = rng.random(len(times)) > 0.02
        times, values = times[keep], values[keep]
        jitter = rng.choice([0, 0, 0, 0, 20, -30, 150], len(times))
        dup = rng.random(len(times)) < 0.002
        times = np.concatenate([times + jitter, times[dup]])
        values = np.concatenate([values, values[dup]])
        table = pa.table(
            {
                "point": pa.array([pid] * len(times)),
                "time": pa.array(times * 1_000_000, type=pa.timestamp("us", tz="UTC")),
                "value": pa.array(values, type=pa.float64()),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
        rows += len(times)
    assert writer is not None
    writer.close()
    site = {
        "site": "benchmark",
        "period": {
            "from": "2026-01-01",
            "to": (dt.date(2026, 1, 1) + dt.timedelta(days=days - 1)).isoformat(),
        },
        "coefficients": {"edition": "GB/T 2589-2020", "electricity": "calorific"},
        "factors": {"electricity": "grid-2022-ets"},
        "points": points,
    }
    site_path = folder / "site.yaml"
    site_path.write_text(yaml.safe_dump(site), "utf-8")
    return site_path, path, rows


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(job: str, site: str, readings: str, scheduler: str, out: str) -> None:
    """One measured job in this (child) process; prints seconds, CPU seconds (all threads)
    and peak RSS as JSON. Imports are timed apart (``import_seconds``): both jobs pay them
    once per process, whatever the number of readings."""
    began = time.perf_counter()
    result: dict[str, object] = {}
    if job == "floor":
        import duckdb

        result["import_seconds"] = time.perf_counter() - began
        start, cpu = time.perf_counter(), _cpu()
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            "SELECT point, CAST(time + INTERVAL 8 HOUR AS DATE) AS day, sum(value), count(*)"
            " FROM read_parquet($p) GROUP BY ALL",
            {"p": readings},
        ).fetchall()
        result["groups"] = len(rows)
    else:
        from jiliang.energy import evaluate, load_site, warm_up

        result["import_seconds"] = time.perf_counter() - began
        # numba's CPU target and the compiled kernels, loaded once per process: timed apart
        result["warm_up_seconds"] = warm_up()
        # SITE.yaml (configuration: one entry per point, pure-Python YAML) is timed apart
        mark = time.perf_counter()
        parsed = load_site(Path(site).read_text("utf-8"))
        result["site_seconds"] = time.perf_counter() - mark
        start, cpu = time.perf_counter(), _cpu()
        chunk = int(os.environ.get("ENERGY_BENCH_CHUNK_ROWS", "0")) or None
        document = evaluate(
            parsed,
            readings,
            engine="dask" if job == "dask" else "embedded",
            scheduler=scheduler or None,
            chunk_rows=chunk,
        )
        result["seconds"] = time.perf_counter() - start
        result["cpu_seconds"] = _cpu() - cpu
        # the harness's copy for comparing engines, written after the clock stopped
        mark = time.perf_counter()
        document.pop("engine")
        Path(out).write_text(json.dumps(document, sort_keys=True), "utf-8")
        result["json_seconds"] = time.perf_counter() - mark
        result["tce"] = document["totals"]["tce"]
    if job == "floor":
        result["seconds"] = time.perf_counter() - start
        result["cpu_seconds"] = _cpu() - cpu
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(job: str, site: Path, readings: Path, scheduler: str, out: Path) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        job,
        str(site),
        str(readings),
        scheduler,
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{job} failed:\n{done.stderr[-3000:]}")
    parsed: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest run (wall), with the peak RSS of all runs."""
    fastest = dict(min(runs, key=lambda run: run["seconds"]))
    fastest["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    fastest["median_seconds"] = sorted(run["seconds"] for run in runs)[len(runs) // 2]
    return fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readings", type=int, nargs="+", default=[10_000_000], help="about this many (sizes)"
    )
    parser.add_argument("--keep", default="", help="folder to keep the generated files in")
    parser.add_argument(
        "--days", type=int, default=DAYS, help="days of data per point (10^8 readings: 365)"
    )
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument(
        "--chunk-rows", type=int, default=0, help="embedded: rows per point group (bounded memory)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of floor and embedded")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.chunk_rows:
        os.environ["ENERGY_BENCH_CHUNK_ROWS"] = str(args.chunk_rows)
    root = Path(args.keep or tempfile.mkdtemp(prefix="jiliang-energy-bench-"))
    for size in args.readings:  # several sizes in one run, each with its own floor
        print(f"--- about {size:,} readings")
        run_size(size, root / f"n{size}", args)


def run_size(size: int, folder: Path, args: argparse.Namespace) -> None:
    """Generate about ``size`` readings, then measure floor, embedded (and Dask) on them."""
    from _machine import python_loop_seconds

    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    site, readings, rows = generate(size, folder, args.days)
    print(f"generated {rows:,} readings in {time.perf_counter() - began:.1f} s -> {readings}")
    print(f"machine: {os.cpu_count()} CPUs, python loop 10^7 = {python_loop_seconds():.2f} s,"
          f" load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    floors: list[dict[str, float]] = []
    embeddeds: list[dict[str, float]] = []
    for _ in range(args.repeat):  # alternated, so both see the same load
        floors.append(measure("floor", site, readings, "", folder / "floor.json"))
        embeddeds.append(measure("embedded", site, readings, "", folder / "embedded.json"))
    floor, embedded = best(floors), best(embeddeds)
    ratio = embedded["seconds"] / floor["seconds"]
    cpu_ratio = embedded["cpu_seconds"] / floor["cpu_seconds"]
    print(f"best of {args.repeat} (median in brackets); not included: imports (floor"
          f" {floor['import_seconds']:.2f} s, embedded {embedded['import_seconds']:.2f} s),"
          f" loading the compiled kernels once per process ({embedded['warm_up_seconds']:.2f} s),"
          f" parsing SITE.yaml ({embedded['site_seconds']:.2f} s) and writing the result as"
          f" JSON for the engine comparison ({embedded['json_seconds']:.2f} s)")  # fmt: skip
    print(
        f"floor    GROUP BY : {floor['seconds']:7.2f} s ({floor['median_seconds']:.2f})"
        f"  cpu {floor['cpu_seconds']:6.2f} s  peak RSS {floor['peak_rss_mb']:7.0f} MB"
    )
    print(
        f"embedded VEE+daily: {embedded['seconds']:7.2f} s ({embedded['median_seconds']:.2f})"
        f"  cpu {embedded['cpu_seconds']:6.2f} s  peak RSS {embedded['peak_rss_mb']:7.0f} MB"
        f"  = {ratio:.2f}x the floor (cpu {cpu_ratio:.2f}x; anchor: <= 2x, < 4 GB)"
    )
    per_core = rows / embedded["seconds"] / (os.cpu_count() or 1)
    print(f"embedded throughput {rows / embedded['seconds']:,.0f} readings/s"
          f" ({per_core:,.0f} per core)")  # fmt: skip
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        began = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        startup = time.perf_counter() - began
        try:
            dask = measure("dask", site, readings, cluster.scheduler_address, folder / "dask.json")
        finally:
            client.close()
            cluster.close()
        same = (folder / "dask.json").read_text() == (folder / "embedded.json").read_text()
        print(
            f"dask 2 workers    : {dask['seconds']:7.2f} s (cluster start {startup:.1f} s"
            f" not included) = {dask['seconds'] / embedded['seconds']:.2f}x embedded;"
            f" same results: {same}"
        )
    scale = 1e8 / rows
    print(
        f"extrapolated to 10^8 readings (linear): embedded ≈ {embedded['seconds'] * scale:,.0f} s"
    )


if __name__ == "__main__":
    main()
