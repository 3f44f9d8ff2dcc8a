"""Start-up time of `jiliang --help` and sub-command help, before and after lazy imports.

Issue 13 §6 asks that `jiliang --help` answer in under half a second. The script runs each
command N times in a fresh interpreter (wall clock and the child's CPU time) and prints the
median next to the 0.5 s target. ``--before REV`` runs the same commands against the
``src/jiliang`` tree of an earlier commit (extracted with ``git archive`` into a temporary
folder, first on ``sys.path``), so both columns come from the same machine and load.

    .venv/bin/python benchmarks/cli_startup.py --runs 20 --before 559ae81

Wall clock on a shared VM swings with the load; the CPU column (user + sys of the child)
is the steadier figure. `tests/cli/test_startup.py` checks the cause structurally instead.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.5
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("uncertainty", "--help"),
    ("stats", "comparison", "--help"),
    ("ledger", "--help"),
)
_RUNNER = "import sys; sys.path.insert(0, {src!r}); from jiliang.cli.main import app; app()"


def _extract(rev: str, dest: Path) -> Path:
    """Write src/jiliang of commit REV under DEST and return the folder to put on sys.path."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src/jiliang"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def _time(src: Path, args: tuple[str, ...], runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of RUNS fresh `jiliang ARGS` processes."""
    code = _RUNNER.format(src=str(src))
    env = {**os.environ, "COLUMNS": "100"}
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code, *args],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        )
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--before", help="commit to compare with (its src/jiliang)")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; runs: {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        trees = [("now", ROOT / "src")]
        if args.before:
            trees.insert(0, (args.before, _extract(args.before, Path(tmp))))
        header = f"{'command':<32}" + "".join(f"{name + ' wall/cpu s':>22}" for name, _ in trees)
        print(header + f"{'target s':>10}")
        for cmd in COMMANDS:
            cells = []
            for _, src in trees:
                wall, cpu = _time(src, cmd, args.runs)
                cells.append(f"{wall:>14.3f} /{cpu:>6.3f}")
            print(f"{'jiliang ' + ' '.join(cmd):<32}" + "".join(cells) + f"{TARGET_S:>10.1f}")


if __name__ == "__main__":
    main()
