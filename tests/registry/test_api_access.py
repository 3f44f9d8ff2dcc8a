"""Access matrix over every registry endpoint: each role sees exactly its slice."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

INSTRUMENTS = {
    "nim_lab": {"E2-1KG-01"},  # its customer (the province) owns the E2 weight
    "sd_lab": {"E2-1KG-01", "F1-1KG-01"},
    "zibo_lab": {"F1-1KG-01", "SCALE-0001"},
    "market": {"SCALE-0001"},
    "taxi": {"TAXI-0001"},
    "reg_zibo": {"F1-1KG-01", "SCALE-0001"},
    "reg_bj": {"TAXI-0001"},
    "admin": {"E2-1KG-01", "F1-1KG-01", "SCALE-0001", "TAXI-0001"},
    None: set(),
}
CERTIFICATES = {
    "nim_lab": {"NIM-2025-0001"},
    "sd_lab": {"NIM-2025-0001", "SD-2025-0001"},
    "zibo_lab": {"SD-2025-0001", "ZB-2025-0001"},
    "market": {"ZB-2025-0001"},
    "taxi": set(),
    "reg_zibo": {"SD-2025-0001", "ZB-2025-0001"},
    "reg_bj": set(),
    "admin": {"NIM-2025-0001", "SD-2025-0001", "ZB-2025-0001"},
    None: set(),
}
ROLES = list(INSTRUMENTS)
# Anonymous calls to these private endpoints answer 401 (tests/web/test_api_anonymous.py).
SIGNED_IN = [role for role in ROLES if role is not None]


def client_for(world: Any, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(world.users[role])
    return client


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["items"] if isinstance(data, dict) and "items" in data else data


@pytest.mark.parametrize("role", SIGNED_IN)
def test_instrument_list_detail_trace_and_changes(world, role) -> None:
    client = client_for(world, role)
    seen = {i["serial_number"] for i in items(client.get("/api/instruments?limit=100"))}
    assert seen == INSTRUMENTS[role]
    for instrument in (world.e2_weight, world.f1_weight, world.scale, world.taxi_meter):
        visible = instrument.serial_number in INSTRUMENTS[role]
        for path in (
            f"/api/instruments/{instrument.pk}",
            f"/api/instruments/{instrument.pk}/trace-up",
            f"/api/changes/registry.instrument/{instrument.pk}",
        ):
            assert client.get(path).status_code == (200 if visible else 404), (role, path)


@pytest.mark.parametrize("role", SIGNED_IN)
def test_certificate_list_and_detail(world, role) -> None:
    client = client_for(world, role)
    seen = {c["number"] for c in items(client.get("/api/certificates?limit=100"))}
    assert seen == CERTIFICATES[role]
    for cert in (world.cert_e2, world.cert_f1, world.cert_scale):
        expected = 200 if cert.number in CERTIFICATES[role] else 404
        assert client.get(f"/api/certificates/{cert.pk}").status_code == expected


@pytest.mark.parametrize("role", SIGNED_IN)
def test_trace_down_impact_and_due_are_scoped(world, role) -> None:
    client = client_for(world, role)
    down = client.get(f"/api/standards/{world.primary.pk}/trace-down").json()
    assert set(down["certificates"]) == CERTIFICATES[role]
    impact = client.get(f"/api/standards/{world.e2.pk}/impact?since=2026-01-10").json()
    expected = CERTIFICATES[role] & {"SD-2025-0001", "ZB-2025-0001"}
    assert {r["certificate"] for r in impact["certificates"]} == expected
    due = client.get("/api/due?today=2026-09-05").json()
    assert {d["serial_number"] for d in due} <= INSTRUMENTS[role]


@pytest.mark.parametrize("role", ROLES)
def test_public_registers_are_public(world, role) -> None:
    client = client_for(world, role)
    assert len(items(client.get("/api/institutions?limit=100"))) == 7
    codes = {s["code"] for s in items(client.get("/api/standards?limit=100"))}
    assert codes == {"GJJ(力)0101", "SD-E2-001", "ZB-F1-001"}
    assert len(client.get("/api/catalogue").json()) >= 10
    scheme = client.get("/api/schemes").json()[0]
    assert [lvl["details"].get("class") for lvl in scheme["levels"][2:9]] == [
        "E1",
        "E2",
        "F1",
        "F2",
        "M1",
        "M2",
        "M3",
    ]


def test_people_are_visible_to_their_institution_only(world) -> None:
    names = {p["name"] for p in items(client_for(world, "zibo_lab").get("/api/people"))}
    assert names == {"city metrologist"}
    assert client_for(world, None).get("/api/people").status_code == 401


def test_instrument_detail_has_derived_fields(world) -> None:
    data = client_for(world, "market").get(f"/api/instruments/{world.scale.pk}").json()
    assert data["mandatory_verification"]["mandatory"] is True
    assert data["mandatory_verification"]["form"] == "periodic"
    assert data["due_date"] == "2026-08-31"


def test_openapi_is_served(world) -> None:
    client = Client()
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/instruments/{pk}/trace-up" in schema["paths"]


def test_api_token_authenticates_and_bad_token_is_401(world) -> None:
    from jiliang.accounts.models import ApiToken

    _, raw = ApiToken.issue(world.users["market"], "erp")
    client = Client()
    seen = items(client.get("/api/instruments", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert {i["serial_number"] for i in seen} == {"SCALE-0001"}
    assert client.get("/api/instruments", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_create_instrument_validates_and_changes_nothing_on_error(world) -> None:
    from jiliang.accounts.models import ApiToken
    from jiliang.registry.models import Instrument

    _, raw = ApiToken.issue(world.users["market"], "erp")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    good = {
        "owner_uscc": world.market.uscc,
        "name": "电子秤",
        "serial_number": "NEW-1",
        "division_code": "370303",
        "category": "C01",
        "use_area": "trade",
    }
    before = Instrument.objects.count()
    bad = client.post(
        "/api/instruments", {**good, "division_code": "99"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"field": "division_code", "reason": "division code must be six digits, got '99'"}
    ]
    foreign = client.post(
        "/api/instruments",
        {**good, "owner_uscc": world.taxi.uscc},
        content_type="application/json",
        **auth,
    )
    assert foreign.status_code == 400
    assert "your own institution" in foreign.json()["errors"][0]["reason"]
    malformed = client.post(
        "/api/instruments", "{not json", content_type="application/json", **auth
    )
    assert 400 <= malformed.status_code < 500
    wrong_type = client.post(
        "/api/instruments", {**good, "range_min": "abc"}, content_type="application/json", **auth
    )
    assert wrong_type.status_code == 422
    assert Instrument.objects.count() == before
    created = client.post("/api/instruments", good, content_type="application/json", **auth)
    assert created.status_code == 201 and created.json()["serial_number"] == "NEW-1"
    assert client.post("/api/instruments", good, content_type="application/json").status_code == 401


def test_session_post_needs_csrf(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["market"])
    response = client.post(
        "/api/instruments", {"owner_uscc": world.market.uscc}, content_type="application/json"
    )
    assert response.status_code == 403


def test_bad_query_parameters_are_4xx(world) -> None:
    client = client_for(world, "admin")
    assert client.get(f"/api/standards/{world.e2.pk}/impact?since=yesterday").status_code == 422
    assert client.get("/api/instruments/999999").status_code == 404
    assert client.get("/api/changes/nope.model/1").status_code == 404
