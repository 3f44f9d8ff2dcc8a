"""The full schemathesis run: `--checks all` over the whole API of a served demo platform.

Why beside the test: tests/web/test_openapi_schemathesis.py runs a few examples per
operation on the test world in CI; this runs many more on the demo's data (about 1,000
instruments, 3,000 certificates), as an anonymous caller and with a laboratory's and the
administrator's tokens, against `jiliang serve` (gunicorn) on a copy of the demo database
(the run writes: instruments, amendments, campaigns…).

    .venv/bin/python benchmarks/api_fuzz.py [--data-dir DIR] [--examples 50] [--as anonymous,zibo_lab,admin]

Prints schemathesis' summary per identity and exits non-zero if any run found a failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve_load

CONFIG = Path(__file__).resolve().parents[1] / "tests" / "web" / "schemathesis.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--as", dest="identities", default="anonymous,zibo_lab,admin")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--max-time",
        type=int,
        default=300,
        help="seconds per identity (fuzzing repeats until spent)",
    )
    args = parser.parse_args()
    data_dir = args.data_dir or Path(f"/tmp/jiliang-api-fuzz-{os.getpid()}")
    data_dir.mkdir(parents=True, exist_ok=True)
    serve_load.prepare(data_dir)  # builds the demo once

    from django.db import connections

    from jiliang.accounts.models import ApiToken, User

    headers: dict[str, list[str]] = {}
    for who in args.identities.split(","):
        if who == "anonymous":
            headers[who] = []
        else:
            _, raw = ApiToken.issue(User.objects.get(username=who), "api_fuzz", days=1)
            headers[who] = [
                "--header",
                f"Authorization: Bearer {raw}",
                # the run would revoke its own token as soon as it guessed the token's id
                "--exclude-operation-id",
                "jiliang_accounts_api_revoke_token",
            ]
    connections.close_all()
    # The run writes, so it gets a copy: the database (a consistent copy of a WAL file through
    # SQLite's backup API), the Django key and the signing keys.
    fuzz_dir = data_dir / "fuzz"
    shutil.rmtree(fuzz_dir, ignore_errors=True)
    fuzz_dir.mkdir()
    shutil.copy2(data_dir / "secret_key", fuzz_dir / "secret_key")
    if (data_dir / "keys").exists():
        shutil.copytree(data_dir / "keys", fuzz_dir / "keys")
    source = sqlite3.connect(data_dir / "jiliang.sqlite3")
    copy = sqlite3.connect(fuzz_dir / "jiliang.sqlite3")
    with source, copy:
        source.backup(copy)
    source.close()
    copy.close()

    port = serve_load.free_port()
    server = serve_load.start_server("gunicorn", port, fuzz_dir)
    failed = False
    try:
        st = Path(sys.executable).with_name("st")
        for who, extra in headers.items():
            started = time.perf_counter()
            command = [
                str(st),
                "--config-file",
                str(CONFIG),
                "run",
                f"http://127.0.0.1:{port}/api/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(args.examples),
                "--seed",
                str(args.seed),
                "--suppress-health-check=all",
                "--request-timeout",
                "60",
                "--max-time",
                str(args.max_time),
                *extra,
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            failed |= done.returncode != 0
            report = data_dir / f"api-fuzz-{who}.txt"
            report.write_text(done.stdout + done.stderr)
            print(f"\n=== {who}: exit {done.returncode}, {time.perf_counter() - started:.0f} s")
            for line in done.stdout.splitlines():  # each failing operation and its check
                if line.startswith(("___", "- ST")) or "generated," in line:
                    print(line.strip(" _"))
            print(f"(full output: {report})")
    finally:
        serve_load.stop_server(server)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
