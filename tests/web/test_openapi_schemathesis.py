"""schemathesis `--checks all` over the whole OpenAPI document, anonymous and with a token.

A bounded run (the fuzzing phase, a few examples per operation, fixed seed) against a live
server on the test database, so it runs on SQLite and PostgreSQL alike; the full run, with
the coverage phase and many more examples on the demo's data, is benchmarks/api_fuzz.py
(docs/qa.md). Every check must pass: no 5xx, every status code, content type and body as
declared, the declared security honoured, schema-valid input accepted or refused by a rule
(400), schema-invalid input rejected.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jiliang.accounts.models import ApiToken

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 3


def schemathesis(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261206",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check=all",
        # no example database: the same seed gives the same run (no .hypothesis/ carried over)
        "--generation-database",
        "none",
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.mark.django_db(transaction=True)
def test_schemathesis_checks_all_find_nothing(live_server: Any, world: Any) -> None:
    anonymous = schemathesis(live_server.url)
    assert anonymous.returncode == 0, anonymous.stdout[-8000:] + anonymous.stderr[-2000:]
    _, raw = ApiToken.issue(world.users["zibo_lab"], "schemathesis")
    with_token = schemathesis(
        live_server.url,
        "--header",
        f"Authorization: Bearer {raw}",
        # the run would revoke its own token as soon as it guessed its id
        "--exclude-operation-id",
        "jiliang_accounts_api_revoke_token",
    )
    assert with_token.returncode == 0, with_token.stdout[-8000:] + with_token.stderr[-2000:]
