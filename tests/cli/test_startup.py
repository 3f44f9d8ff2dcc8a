"""`jiliang --help` must not load the heavy libraries (issue 13 §6: help in under 0.5 s).

Structural, not timed (benchmarks/cli_startup.py times it; docs/benchmarks/lists.md): the installed `jiliang` script runs in a fresh interpreter with
``-X importtime``, which lists every module imported; none of the heavy packages may be
among them. Before the commands imported their dependencies lazily, `--help` loaded scipy,
numpy and matplotlib through `jiliang.stats` (2.5-3 s); `benchmarks/cli_startup.py` times it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "scipy",
    "numpy",
    "django",
    "matplotlib",
    "weasyprint",
    "pint",
    "openpyxl",
    "pandas",
    "cryptography",
    "yaml",
    "pydantic",  # typer 0.29 builds a pydantic adapter per processed flag (cli/main.py)
    "duckdb",
    "pyarrow",
    "dask",
)
SCRIPT = Path(sys.executable).parent / "jiliang"

HELP_COMMANDS = [
    ["--help"],
    ["uncertainty", "--help"],
    ["uncertainty", "evaluate", "--help"],
    ["stats", "--help"],
    ["stats", "comparison", "--help"],
    ["stats", "interval", "s2", "--help"],
    ["ledger", "--help"],
    ["ledger", "verify-proof", "--help"],
    ["ledger", "verify", "--help"],
    ["certificate", "--help"],
    ["certificate", "export", "--help"],
    ["demo", "--help"],
    ["import", "--help"],
    ["due", "--help"],
    ["notify", "--help"],
    ["trace", "--help"],
    ["energy", "--help"],
    ["prepack", "--help"],
    ["deadline", "--help"],
    ["cmc", "--help"],
]


def _imported(args: list[str]) -> tuple[set[str], str]:
    """Top-level packages imported by `jiliang ARGS`, and its stdout."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names: set[str] = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    assert names, "no -X importtime lines: is this CPython?"
    return names, proc.stdout


def test_script_exists() -> None:
    assert SCRIPT.is_file(), f"{SCRIPT}: install the project (uv sync) first"


@pytest.mark.parametrize("args", HELP_COMMANDS, ids=" ".join)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    names, out = _imported(args)
    loaded = sorted(set(HEAVY) & names)
    assert not loaded, f"`jiliang {' '.join(args)}` imported {loaded}"
    assert "Usage:" in out


def test_root_help_still_lists_every_group() -> None:
    """Lazy imports kept the same app: every command group and command is listed."""
    _, out = _imported(["--help"])
    for name in (
        "uncertainty",
        "stats",
        "ledger",
        "certificate",
        "demo",
        "serve",
        "import",
        "notify",
    ):
        assert name in out, name
    assert "jiliang (计量): traceability, verification, uncertainty and trusted records." in out


def test_stats_comparison_help_text_unchanged() -> None:
    _, out = _imported(["stats", "comparison", "--help"])
    assert "Reference value, degrees of equivalence and scores of a comparison." in out
    assert "algorithm-a" in out
