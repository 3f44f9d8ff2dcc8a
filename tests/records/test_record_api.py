"""Records through the API: customers recorded before they join, instruments with units,
pickers scoped by visibility, state changes; the permissions of issue 12 stay whole."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from jiliang.registry.models import Institution, Instrument, LabCustomer
from tests.conftest import uscc

NEW_USCC = uscc("91370303MA3C00001")


def client_for(world: Any, name: str | None) -> Client:
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


def post(client: Client, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def instrument_body(owner: str, **extra: Any) -> dict[str, Any]:
    body = {
        "owner": owner,
        "name": "电子台秤",
        "serial_number": "TS-9001",
        "division_code": "370303",
        "quantity": "mass",
        "unit": "kg",
        "range_min": "40 g",
        "range_max": "15 kg",
        "mpe": "5 g",
    }
    body.update(extra)
    return body


def test_lab_records_customer_then_instrument_then_customer_joins(world: Any) -> None:
    lab = client_for(world, "zibo_lab")
    answer = post(
        lab,
        "/api/records/customers",
        {"name": "淄博新客户有限公司", "uscc": NEW_USCC, "division_code": "370303"},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["joined"] is False
    assert answer.json()["relation_status"] == "accepted"
    created = post(lab, "/api/records/instruments", instrument_body(NEW_USCC))
    assert created.status_code == 201, created.content
    data = created.json()
    # 40 g = 0.04 kg; 5 g = 0.005 kg; 15 kg stays 15 kg
    assert (data["range_min"], data["range_max"], data["mpe"]) == (0.04, 15.0, 0.005)
    # the laboratory finds it with the picker; another laboratory does not
    picked = lab.get("/api/pick/instruments", {"q": "TS-9"}).json()
    assert [p["label"] for p in picked] == ["TS-9001 电子台秤"]
    assert client_for(world, "sd_lab").get("/api/pick/instruments", {"q": "TS-9"}).json() == []
    # the customer joins: the same institution, its instruments its own
    admin = client_for(world, "admin")
    joined = post(
        admin,
        "/api/records/institutions/join",
        {"name": "淄博新客户有限公司", "uscc": NEW_USCC, "division_code": "370303"},
    )
    assert joined.status_code == 201, joined.content
    institution = Institution.objects.get(uscc=NEW_USCC)
    assert institution.joined
    assert Instrument.objects.get(serial_number="TS-9001").owner_id == institution.pk
    assert (
        post(
            admin,
            "/api/records/institutions/join",
            {"name": "x", "uscc": NEW_USCC, "division_code": "370303"},
        ).status_code
        == 400
    )  # joining twice


def test_lab_without_accepted_relation_may_not_create(world: Any) -> None:
    # the provincial institute has no relation with the market
    answer = post(
        client_for(world, "sd_lab"), "/api/records/instruments", instrument_body(world.market.uscc)
    )
    assert answer.status_code == 403
    assert not Instrument.objects.filter(serial_number="TS-9001").exists()
    # the city lab's relation with the market is accepted (receipt): it may
    answer = post(
        client_for(world, "zibo_lab"),
        "/api/records/instruments",
        instrument_body(world.market.uscc),
    )
    assert answer.status_code == 201, answer.content


def test_recording_a_customer_already_on_the_platform_only_requests(world: Any) -> None:
    answer = post(
        client_for(world, "sd_lab"),
        "/api/records/customers",
        {"name": "x", "uscc": world.taxi.uscc, "division_code": "110105"},
    )
    assert answer.status_code == 201
    assert answer.json()["relation_status"] == "requested"
    assert LabCustomer.objects.get(lab=world.province, owner=world.taxi).status == "requested"
    created = post(
        client_for(world, "sd_lab"), "/api/records/instruments", instrument_body(world.taxi.uscc)
    )
    assert created.status_code == 403


def test_units_checked_against_the_instrument(world: Any) -> None:
    client = client_for(world, "market")
    answer = post(
        client, "/api/records/instruments", instrument_body(world.market.uscc, unit="MPa")
    )
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "unit" in fields  # MPa is not a unit of mass
    answer = post(
        client,
        "/api/records/instruments",
        instrument_body(world.market.uscc, range_min="15 kg", range_max="15 g"),
    )
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["range_max"]  # 0.015 kg < 15 kg
    answer = post(
        client,
        "/api/records/instruments",
        instrument_body(
            world.market.uscc,
            quantity="pressure",
            unit="MPa",
            range_min="0",
            range_max="2500 kPa",
            mpe="10 kPa",
        ),
    )
    assert answer.status_code == 201, answer.content
    # 2500 kPa = 2.5 MPa; 10 kPa = 0.01 MPa
    assert answer.json()["range_max"] == 2.5
    assert answer.json()["mpe"] == 0.01


def test_edit_and_bad_input(world: Any) -> None:
    client = client_for(world, "market")
    body = instrument_body(world.market.uscc, serial_number="SCALE-0001")
    assert post(client, "/api/records/instruments", body).status_code == 400  # serial taken
    edited = post(
        client,
        f"/api/records/instruments/{world.scale.pk}",
        instrument_body(
            "",
            serial_number="SCALE-0001",
            name="电子计价秤（新）",
            range_min="0.04",
            range_max="15",
        ),
        method="put",
    )
    assert edited.status_code == 200, edited.content
    world.scale.refresh_from_db()
    assert world.scale.name == "电子计价秤（新）"
    assert world.scale.owner_id == world.market.pk
    # others cannot see it: 404, and nothing changed
    other = post(
        client_for(world, "taxi"),
        f"/api/records/instruments/{world.scale.pk}",
        instrument_body(""),
        method="put",
    )
    assert other.status_code == 404
    assert post(Client(), "/api/records/instruments", body).status_code == 401
    bad = post(
        client, "/api/records/instruments", instrument_body(world.market.uscc, name="a\x00b")
    )
    assert bad.status_code in (400, 422)


def test_pickers(world: Any) -> None:
    client = client_for(world, "market")
    assert client.get("/api/pick/instruments", {"q": "S"}).json() == []  # too short
    labels = [p["label"] for p in client.get("/api/pick/instruments", {"q": "SCALE"}).json()]
    assert labels == ["SCALE-0001 电子计价秤 Retail scale"]
    assert client.get("/api/pick/instruments", {"q": "TAXI"}).json() == []  # not its own
    regions = client.get("/api/pick/regions", {"q": "张店"}).json()
    assert regions == [{"value": "370303", "label": "山东省 淄博市 张店区", "detail": "370303"}]
    found = client.get("/api/pick/institutions", {"q": "山东"}).json()
    assert found[0]["value"] == world.province.uscc
    assert Client().get("/api/pick/instruments", {"q": "SCALE"}).status_code == 401


def test_state_change_api_all_or_nothing(world: Any) -> None:
    client = client_for(world, "market")
    body = {
        "instrument_ids": [world.scale.pk, world.taxi_meter.pk],
        "state": "retired",
        "reason": "停用",
        "on": "2026-05-01",
    }
    answer = post(client, "/api/records/instrument-states", body)
    assert answer.status_code == 400
    world.scale.refresh_from_db()
    assert world.scale.status == "in_service"
    body["instrument_ids"] = [world.scale.pk]
    answer = post(client, "/api/records/instrument-states", body)
    assert answer.json() == {"changed": 1}
