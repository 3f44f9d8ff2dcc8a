"""Malformed ids and dates in any API request are 4xx with a JSON message (issue 12 §2).

`GET /api/changes/registry.instrument/abc` answered 500 and `?since=0` was read as 1970-01-01
(pydantic's lax mode takes a number as a Unix time). The sweep reads the OpenAPI document, so
every integer or date parameter of every endpoint, present and future, is tried with bad
values; the cases found are also pinned one by one.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "1.5", "-1", str(2**63), "9" * 30, "１", "1e3", "0x10"]
BAD_DATES = ["0", "abc", "2026-02-30", "99999-01-01", "1e9", "-1", "20260101", "2026-1-1", "1.5"]
# Parameters for which 0 or -1 are not ids (a position in the log starts at 0).
ZERO_IS_VALID = {"offset", "index", "size1", "size2", "tree_size"}


@pytest.fixture
def admin(world: Any) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def _kind(parameter: dict[str, Any]) -> str:
    schema = json.dumps(parameter.get("schema", {}))
    if '"date"' in schema:
        return "date"
    return "integer" if '"integer"' in schema else ""


@functools.cache
def _paths() -> dict[str, Any]:
    from jiliang.api import api

    paths: dict[str, Any] = api.get_openapi_schema()["paths"]
    return paths


def _cases() -> list[tuple[str, str, str, str, str]]:
    cases = []
    for path, operations in _paths().items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                kind = _kind(parameter)
                if not kind:
                    continue
                bad = BAD_DATES if kind == "date" else BAD_IDS
                if kind == "integer" and parameter["name"] in ZERO_IS_VALID:
                    bad = [v for v in bad if v != "-1"] + ["-1"]
                for value in bad:
                    cases.append((method, path, parameter["name"], parameter["in"], value))
    return cases


def _request(client: Client, method: str, path: str, name: str, where: str, value: str) -> Any:
    operation = _paths()[path][method]
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        given = value if parameter["name"] == name else None
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", given or "1")
        elif given is not None:
            query[parameter["name"]] = given
        elif parameter.get("required"):
            query[parameter["name"]] = "2026-01-01" if _kind(parameter) == "date" else "1"
    if method == "get":
        return client.get(path, query)
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"{path}?{suffix}" if suffix else path
    return getattr(client, method)(url, "{}", content_type="application/json")


def test_every_id_and_date_parameter_refuses_malformed_values(admin: Client) -> None:
    cases = _cases()
    assert len(cases) > 100  # the sweep found the API's parameters
    wrong = []
    for method, path, name, where, value in cases:
        response = _request(admin, method, path, name, where, value)
        json_body = response.headers.get("Content-Type", "").startswith("application/json")
        if not (400 <= response.status_code < 500 and json_body):
            wrong.append(
                f"{method.upper()} {path} {where} {name}={value!r}: {response.status_code}"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("object_id", ["abc", "0", "-1", str(2**63), "1.5", "１"])
def test_changes_of_a_malformed_id_is_422_with_json(admin: Client, object_id: str) -> None:
    response = admin.get(f"/api/changes/registry.instrument/{object_id}")
    assert response.status_code == 422
    assert "object_id" in response.json()["detail"]


def test_changes_of_a_well_formed_id_still_answer(world: Any, admin: Client) -> None:
    assert admin.get(f"/api/changes/registry.instrument/{world.scale.pk}").status_code == 200
    assert admin.get("/api/changes/registry.instrument/999999").status_code == 404
    assert admin.get("/api/changes/registry.nothing/1").status_code == 404


@pytest.mark.parametrize("since", ["0", "1e9", "20260101"])
def test_impact_since_a_number_is_not_the_unix_epoch(world: Any, admin: Client, since: str) -> None:
    response = admin.get(f"/api/standards/{world.f1.pk}/impact", {"since": since})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.since"
    assert "YYYY-MM-DD" in response.json()["errors"][0]["reason"]


def test_impact_since_an_iso_date_still_answers(world: Any, admin: Client) -> None:
    response = admin.get(f"/api/standards/{world.f1.pk}/impact", {"since": "2026-01-01"})
    assert response.status_code == 200
    assert response.json()["nonconforming_on"] == "2026-01-01"


def test_a_date_in_a_body_given_as_a_number_is_422(world: Any, admin: Client) -> None:
    body = {"number": "AMEND-1", "issued_on": 0}
    response = admin.post(
        f"/api/certificates/{world.cert_scale.pk}/amendments",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.issued_on"


@pytest.mark.parametrize("limit", ["0", "-1", str(2**63), "1001"])
def test_trace_down_limit_is_bounded(world: Any, admin: Client, limit: str) -> None:
    response = admin.get(f"/api/standards/{world.f1.pk}/trace-down", {"limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"


@pytest.mark.parametrize("when", [0, 1e9, "0", "1700000000", "2026-13-01T00:00:00Z"])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/comparisons/campaigns",
            {"code": "X-1", "title": "t", "measurand": "m", "unit": "g", "method": "pmm"},
            "deadline",
        ),
        (
            "/api/taximeters/packages",
            {"scope_kind": "fleet", "scope_id": "1", "parameters": {}},
            "effective_at",
        ),
    ],
)
def test_a_time_in_a_body_given_as_a_number_is_422(
    admin: Client, path: str, body: dict[str, Any], field: str, when: object
) -> None:
    response = admin.post(path, json.dumps({**body, field: when}), content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"body.payload.{field}"]
