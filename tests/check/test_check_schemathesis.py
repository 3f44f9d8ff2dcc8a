"""schemathesis `--checks all` over the check API alone, with more examples than the suite's
run over the whole document (tests/web/test_openapi_schemathesis.py): every answer of
/api/check and /api/check/file is one it declares (200, 400, 404, 413, 422, 429), anonymous."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_openapi_schemathesis import schemathesis


@pytest.mark.django_db(transaction=True)
def test_check_api_answers_only_what_it_declares(
    live_server: Any, world: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    run = schemathesis(
        live_server.url,
        "--include-path-regex",
        "^/api/check",
        "--max-examples",
        "40",
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
