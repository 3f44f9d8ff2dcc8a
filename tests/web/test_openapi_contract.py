"""The OpenAPI document's shared contract (jiliang/openapi.py) and the one error body.

Fast checks beside the schemathesis run: every operation declares who may call it and the
shared error responses, every error the API answers has the declared shape, and no two API
schemas share a name (ninja keeps one component per name, so a second `ErrorOut` or
`CampaignIn` silently replaced the first in the document).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from jiliang.api import api

SRC = Path(__file__).resolve().parents[2] / "src" / "jiliang"
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_security_schemes_are_declared(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "sessionid"


def test_every_operation_declares_security_and_its_errors(document: dict[str, Any]) -> None:
    assert len(operations(document)) > 90
    for method, path, operation in operations(document):
        # private operations offer no anonymous {} alternative (they answer 401)
        assert operation["security"] in (
            [{}, {"bearerToken": []}, {"sessionCookie": []}],
            [{"bearerToken": []}, {"sessionCookie": []}],
        )
        codes = set(map(str, operation["responses"]))
        assert {"400", "401", "403", "404", "409"} <= codes, (method, path, codes)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in codes, (method, path)
        assert any(code.startswith("2") for code in codes), (method, path)


def test_optional_form_fields_are_not_declared_nullable(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for media, body in operation.get("requestBody", {}).get("content", {}).items():
            if media == "multipart/form-data":
                assert '"null"' not in str(body).replace("'", '"'), (method, path)


def test_api_schema_names_are_unique() -> None:
    """Schema classes (ninja Schema/ModelSchema) anywhere in the platform have distinct names."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                re.fullmatch(r"(Model)?Schema", ast.unparse(base)) for base in node.bases
            ):
                where[node.name].append(str(path.relative_to(SRC)))
    duplicates = {name: files for name, files in where.items() if len(files) > 1}
    assert duplicates == {}


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"path": "/api/institutions/999999"}, 404),
        ({"path": "/api/institutions", "HTTP_AUTHORIZATION": "Bearer jl_unknown"}, 401),
        ({"path": "/api/institutions/abc"}, 422),
        ({"path": "/api/account/tokens"}, 401),
    ],
)
def test_every_error_body_has_detail_and_errors(
    world: Any, request_args: dict[str, str], status: int
) -> None:
    response = Client().get(**request_args)
    assert response.status_code == status
    body = response.json()
    assert isinstance(body["detail"], str) and isinstance(body["errors"], list)


def test_unparsable_body_is_400_with_the_error_shape(world: Any, client_as: Any) -> None:
    from jiliang.accounts.models import ApiToken

    _, raw = ApiToken.issue(world.users["zibo_lab"], "t")
    response = Client().post(
        "/api/instruments",
        data=b"\xff{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body", "errors": []}
