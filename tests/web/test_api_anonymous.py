"""Anonymous calls to the API (issue 13 §6): a private endpoint answers 401 with the shared
error body, never an empty 200; a public register answers 200 to everyone.

Each private path is also called by a signed-in user, so a 401 cannot come from a broken
endpoint; each public path is called anonymously and must list the public rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jiliang.accounts.api_auth import LOGIN_NEEDED

# GET endpoints that need a user: (path template, a role that may call it).
PRIVATE_GET = [
    ("/api/instruments", "market"),
    ("/api/instruments/{scale}", "market"),
    ("/api/instruments/{scale}/trace-up", "market"),
    ("/api/certificates", "market"),
    ("/api/certificates/{cert_scale}", "market"),
    ("/api/due", "market"),
    ("/api/people", "zibo_lab"),
    ("/api/customers", "zibo_lab"),
    ("/api/changes/registry.instrument/{scale}", "market"),
    ("/api/standards/{primary}/trace-down", "admin"),
    ("/api/standards/{f1}/trace-up", "admin"),
    ("/api/standards/{f1}/impact?since=2025-01-01", "admin"),
    ("/api/calibration/jobs", "zibo_lab"),
    ("/api/calibration/recalls", "zibo_lab"),
    ("/api/taximeters/meters", "reg_bj"),
    ("/api/taximeters/alerts", "reg_bj"),
    ("/api/lots/lots", "market"),
    ("/api/intervals/reviews", "zibo_lab"),
    ("/api/comparisons/campaigns", "zibo_lab"),
    ("/api/notices/", "market"),
]
# Writes that need a user: anonymous gets 401 before any validation of the body.
PRIVATE_POST = [
    "/api/instruments",
    "/api/customers/requests",
    "/api/calibration/jobs",
    "/api/calibration/recalls",
]
# Public registers: open to everyone, with rows for an anonymous caller.
PUBLIC_GET = [
    "/api/institutions",
    "/api/institutions/{market}",
    "/api/standards",
    "/api/standards/{f1}",
    "/api/standards/{f1}/usable",
    "/api/materials",
    "/api/catalogue",
    "/api/schemes",
    "/api/calibration/procedures",
    "/api/ledger/entries",
    "/api/ledger/checkpoint",
    "/api/taximeters/packages",
]


def _path(world: Any, template: str) -> str:
    ids = {
        "scale": world.scale.pk,
        "cert_scale": world.cert_scale.pk,
        "primary": world.primary.pk,
        "f1": world.f1.pk,
        "market": world.market.pk,
    }
    return template.format(**ids)


@pytest.mark.parametrize(("template", "role"), PRIVATE_GET, ids=[p for p, _ in PRIVATE_GET])
def test_private_get_is_401_for_anonymous_and_200_signed_in(world, template, role) -> None:
    path = _path(world, template)
    anonymous = Client().get(path)
    assert anonymous.status_code == 401, (path, anonymous.content[:300])
    assert anonymous["Content-Type"].startswith("application/json")
    assert anonymous.json() == {"detail": LOGIN_NEEDED, "errors": []}
    signed_in = Client()
    signed_in.force_login(world.users[role])
    response = signed_in.get(path)
    assert response.status_code == 200, (role, path, response.content[:300])


@pytest.mark.parametrize("path", PRIVATE_POST)
def test_private_post_is_401_for_anonymous(world, path) -> None:
    response = Client().post(path, {}, content_type="application/json")
    # ninja validates the body before the handler runs: an empty body may be a 422 first;
    # with a body that parses, the handler's 401 must come before anything is written.
    assert response.status_code in (401, 422), (path, response.content[:300])
    if response.status_code == 401:
        assert response.json()["detail"] == LOGIN_NEEDED


def test_anonymous_write_with_a_valid_body_is_401_and_writes_nothing(world) -> None:
    from jiliang.registry.models import Instrument

    before = Instrument.objects.count()
    body = {
        "owner_uscc": world.market.uscc,
        "name": "电子秤",
        "serial_number": "ANON-1",
        "division_code": "370303",
        "category": "C01",
        "use_area": "trade",
    }
    response = Client().post("/api/instruments", body, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": LOGIN_NEEDED, "errors": []}
    assert Instrument.objects.count() == before


@pytest.mark.parametrize("template", PUBLIC_GET)
def test_public_registers_stay_open(world, template) -> None:
    path = _path(world, template)
    response = Client().get(path)
    assert response.status_code == 200, (path, response.content[:300])


def test_public_lists_show_public_rows_to_anonymous(world) -> None:
    data = Client().get("/api/institutions?limit=100").json()
    items = data["items"] if isinstance(data, dict) else data
    assert world.market.name_zh in {i["name_zh"] for i in items}
    standards = Client().get("/api/standards?limit=100").json()
    items = standards["items"] if isinstance(standards, dict) else standards
    assert world.f1.code in {s["code"] for s in items}


def test_bad_token_is_still_401(world) -> None:
    response = Client().get("/api/institutions", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401


def test_openapi_declares_401_and_login_for_private_operations(world) -> None:
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    private = paths["/api/instruments"]["get"]
    assert "401" in private["responses"]
    # a private operation does not offer the anonymous ({}) security alternative
    assert {} not in private["security"]
    public = paths["/api/institutions"]["get"]
    assert {} in public["security"]
