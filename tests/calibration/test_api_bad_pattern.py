"""Regression found by fuzzing the demo's API with schemathesis (issue #2): a numbering pattern
with an unbalanced brace once raised ValueError inside string.Formatter and answered 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pattern", ["{seq", "{institution_code}-{year}-{seq:04d", "}{seq}"])
def test_numbering_pattern_with_unbalanced_braces_is_400_naming_pattern(
    lab: Any, pattern: str
) -> None:
    client = Client()
    client.force_login(lab.recorder)
    body = {"institution_code": "ZBJL", "pattern": pattern}
    response = client.put(
        "/api/calibration/numbering", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "pattern"
    assert error["reason"].startswith("not a format pattern: ")
