"""Monte Carlo throughput of jiliang.uncertainty, side by side with Sandia's suncal.

Usage:
    .venv/bin/python benchmarks/uncertainty_mc.py [--trials N] [--repeat R] [--memory]

Set SUNCAL_PYTHON to a Python with suncal installed (a separate throwaway venv: suncal is
GPL and never a dependency of jiliang) to time it on the same models in the same run.
--memory also runs the adaptive procedure (JCGM 101 7.9) on GUM H.1 until 10^8 trials and
reports the peak resident memory of that process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples" / "uncertainty"
CASES = {
    "GUM H.1 end gauge": "gum_h1_end_gauge.yaml",
    "JCGM 101 9.3 mass": "jcgm101_9_3_mass.yaml",
}

# The same models and distributions in suncal 1.7.1 (t inputs: scale u, dof; rectangular:
# half-width a; normal: std). Timed: Model.monte_carlo(samples=N) plus reading u(y) and the
# 95 % interval from its results, i.e. the work jiliang's evaluate_mc does.
SUNCAL_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.filterwarnings("ignore")
    from suncal import Model
    n, repeat = int(sys.argv[1]), int(sys.argv[2])

    def h1():
        m = Model("l = ls + d - ls*(dalpha*theta + alpha_s*dtheta)")
        m.var("ls").measure(50000623.6).typeb(dist="t", scale=25, df=18)
        m.var("d").measure(215).typeb(dist="t", scale=9.7, df=25.6)
        m.var("alpha_s").measure(11.5e-6).typeb(dist="uniform", a=2e-6)
        m.var("theta").measure(-0.1).typeb(dist="normal", std=0.41)
        m.var("dalpha").measure(0).typeb(dist="uniform", a=1e-6)
        m.var("dtheta").measure(0).typeb(dist="uniform", a=0.05)
        return m

    def mass():
        m = Model("dm = (m_Rc + dm_Rc)*(1 + (rho_a - 1.2)*(1/rho_W - 1/rho_R)) - 100000")
        m.var("m_Rc").measure(100000.0).typeb(dist="normal", std=0.05)
        m.var("dm_Rc").measure(1.234).typeb(dist="normal", std=0.02)
        m.var("rho_a").measure(1.2).typeb(dist="uniform", a=0.1)
        m.var("rho_W").measure(8000).typeb(dist="uniform", a=1000)
        m.var("rho_R").measure(8000).typeb(dist="uniform", a=50)
        return m

    out = {}
    for name, make in (("GUM H.1 end gauge", h1), ("JCGM 101 9.3 mass", mass)):
        m = make()
        m.monte_carlo(samples=10000)
        best = cpu_best = None
        u = None
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            res = m.monte_carlo(samples=n)
            fn = m.functionnames[0]
            u = float(res.uncertainty[fn])
            res.expand(fn, conf=0.95)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            best = dt if best is None else min(best, dt)
            cpu_best = cpu if cpu_best is None else min(cpu_best, cpu)
        out[name] = {"seconds": best, "cpu": cpu_best, "u": u}
    print(json.dumps(out))
    """
)

MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    from jiliang.uncertainty import evaluate_adaptive, load_model
    m = load_model(sys.argv[1])
    t0 = time.perf_counter()
    ev = evaluate_adaptive(m, 4, seed=2026, probability=0.99, max_trials=100_000_000)
    dt = time.perf_counter() - t0
    r = ev.results[0]
    print(json.dumps({"trials": ev.trials, "sequences": ev.sequences, "converged": ev.converged,
                      "seconds": dt, "cpu": time.process_time(), "u": r.u,
                      "interval": r.interval_symmetric,
                      "intervals_from": ev.intervals_from,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def time_jiliang(n: int, workers: int | None) -> dict[str, dict[str, float]]:
    """One timed run per model: wall seconds, CPU seconds (all threads) and u(y)."""
    from jiliang.uncertainty import evaluate_mc, load_model

    out = {}
    for name, file in CASES.items():
        m = load_model(EXAMPLES / file)
        evaluate_mc(m, 10_000, seed=1, workers=workers)
        t0, c0 = time.perf_counter(), time.process_time()
        ev = evaluate_mc(m, n, seed=1, probability=0.95, workers=workers)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[name] = {"seconds": dt, "cpu": cpu, "u": ev.results[0].u}
    return out


def best_of(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "seconds": min(r[name]["seconds"] for r in runs),
            "cpu": min(r[name]["cpu"] for r in runs),
            "u": runs[-1][name]["u"],
        }
        for name in CASES
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", action="store_true")
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"trials per run: {args.trials}, best of {args.repeat} alternating runs")
    sp = os.environ.get("SUNCAL_PYTHON")
    # alternate the two tools so that both see the same background load; keep the best
    ours_runs, ours1_runs, theirs_runs = [], [], []
    for _ in range(args.repeat):
        ours_runs.append(time_jiliang(args.trials, None))
        ours1_runs.append(time_jiliang(args.trials, 1))
        if sp:
            res = subprocess.run(
                [sp, "-c", SUNCAL_SCRIPT, str(args.trials), "1"],
                capture_output=True,
                text=True,
                check=True,
            )
            theirs_runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    ours, ours1 = best_of(ours_runs), best_of(ours1_runs)
    theirs = best_of(theirs_runs) if theirs_runs else None
    print(
        "trials/s by wall clock (jiliang with its default threads and with one thread) "
        "and by CPU time (all threads)"
    )
    head = f"{'model':20} {'jiliang':>11} {'1 thread':>11} {'suncal':>11} {'ratio':>6}"
    print(f"{head} | {'CPU jiliang':>11} {'CPU suncal':>11} {'ratio':>6}")
    for name in CASES:
        a, a1 = args.trials / ours[name]["seconds"], args.trials / ours1[name]["seconds"]
        ac = args.trials / ours[name]["cpu"]
        if theirs:
            b, bc = args.trials / theirs[name]["seconds"], args.trials / theirs[name]["cpu"]
            print(
                f"{name:20} {a:11,.0f} {a1:11,.0f} {b:11,.0f} {a / b:6.1f} | "
                f"{ac:11,.0f} {bc:11,.0f} {ac / bc:6.1f}"
            )
        else:
            print(f"{name:20} {a:11,.0f} {a1:11,.0f} {'n/a':>11} {'':6} | {ac:11,.0f}")
    for name in CASES:
        extra = f", suncal u = {theirs[name]['u']:.4g}" if theirs else ""
        print(f"  check {name}: jiliang u = {ours[name]['u']:.4g}{extra}")
    if args.memory:
        res = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, str(EXAMPLES / CASES["GUM H.1 end gauge"])],
            capture_output=True,
            text=True,
            check=True,
        )
        mem = json.loads(res.stdout.strip().splitlines()[-1])
        print("adaptive JCGM 101 7.9 on GUM H.1 (n_dig = 4, p = 0.99, cap 10^8 trials):")
        print(
            f"  trials {mem['trials']:,} in {mem['sequences']} sequences, converged "
            f"{mem['converged']}, {mem['seconds']:.1f} s wall, {mem['cpu']:.1f} s CPU, "
            f"u = {mem['u']:.4g} mm, "
            f"intervals: {mem['intervals_from']}"
        )
        print(f"  peak resident memory of the process: {mem['peak_rss_mib']:.0f} MiB")
    print(f"self peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
