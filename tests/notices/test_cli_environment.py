"""`jiliang notify` as cron runs it, in a process of its own: a database not yet migrated or
a bad SMTP setting is a one-line message and exit status 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JILIANG_", "DJANGO_"))}
    environment |= {"JILIANG_DATA_DIR": str(tmp_path), "COLUMNS": "200", **env}
    return subprocess.run(
        [sys.executable, "-m", "jiliang.cli.main", "notify", "--dry-run"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unmigrated_database(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert result.returncode == 2, result.stderr
    assert "the database is not ready" in result.stderr and "migrate" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_smtp_port_setting(tmp_path: Path) -> None:
    result = run_cli(tmp_path, JILIANG_EMAIL_PORT="twenty-five")
    assert result.returncode == 2, result.stderr
    assert "JILIANG_EMAIL_PORT='twenty-five'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
