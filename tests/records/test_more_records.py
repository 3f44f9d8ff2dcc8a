"""Standards with their equipment, reference materials, people and registrations: page and
API, the institution's own records only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from jiliang.registry.models import Instrument, MeasurementStandard, Person, ReferenceMaterial


def login(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def send(client: Client, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def standard_body(**extra: Any) -> dict[str, Any]:
    body = {
        "name": "F2 砝码标准装置",
        "code": "ZB-F2-002",
        "kind": "social_public",
        "quantity": "mass",
        "unit": "kg",
        "range_min": "1 mg",
        "range_max": "20 kg",
        "expanded_uncertainty": "0.5 mg",
        "equipment": ["F1-1KG-01"],
    }
    body.update(extra)
    return body


def test_standard_with_own_equipment_only(world: Any) -> None:
    lab = login(world, "zibo_lab")
    serial = world.f1_weight.serial_number
    answer = send(lab, "/api/records/standards", standard_body(equipment=[serial]))
    assert answer.status_code == 201, answer.content
    standard = MeasurementStandard.objects.get(code="ZB-F2-002")
    # 1 mg = 1e-6 kg; 0.5 mg = 5e-7 kg
    assert standard.range_min == 1e-6
    assert abs(standard.expanded_uncertainty - 5e-7) < 1e-18
    assert standard.institution == world.city
    assert Instrument.objects.get(serial_number=serial).part_of_standard == standard
    # another institution's instrument (the province's E2 weight) is never equipment here
    refused = send(
        lab, "/api/records/standards", standard_body(code="ZB-F2-003", equipment=["E2-1KG-01"])
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "equipment"
    assert not MeasurementStandard.objects.filter(code="ZB-F2-003").exists()
    # editing with no equipment releases the weight
    edited = send(
        lab, f"/api/records/standards/{standard.pk}", standard_body(equipment=[]), method="put"
    )
    assert edited.status_code == 200, edited.content
    assert Instrument.objects.get(serial_number=serial).part_of_standard is None
    # the province may not edit the city's standard
    other = send(
        login(world, "sd_lab"),
        f"/api/records/standards/{standard.pk}",
        standard_body(),
        method="put",
    )
    assert other.status_code == 403


def test_equipment_picker_gives_own_serials(world: Any) -> None:
    found = login(world, "zibo_lab").get(
        "/api/pick/instruments", {"q": "F1", "own": "true", "value": "serial"}
    )
    assert [row["value"] for row in found.json()] == [world.f1_weight.serial_number]


def test_reference_material_page(world: Any) -> None:
    lab = login(world, "nim_lab")
    page = lab.post(
        "/records/materials/new/",
        {
            "gbw_number": "GBW(E)130001",
            "name": "pH 标准缓冲溶液",
            "quantity": "chemical-composition",
            "unit": "mol/mol",
            "certified_value": "0.5",
            "expanded_uncertainty": "0.01",
            "coverage_factor": "2",
            "expiry": "2028-01-01",
        },
    )
    assert page.status_code == 302, page.content.decode()[:3000]
    material = ReferenceMaterial.objects.get(gbw_number="GBW(E)130001")
    assert material.producer == world.nim
    assert material.grade == 2  # GBW(E) is a second-grade reference material
    assert login(world, "market").get(f"/records/materials/{material.pk}/edit/").status_code == 403


def test_person_and_registration(world: Any) -> None:
    lab = login(world, "zibo_lab")
    body = {
        "name": "李四",
        "registration_number": "REG-C9",
        "level": 2,
        "registration_scope": ["mass", "C01"],
        "valid_from": "2026-01-01",
        "valid_until": "2025-12-31",
        "roles": ["verifier"],
    }
    refused = send(lab, "/api/records/people", body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "valid_until"
    body["valid_until"] = "2030-12-31"
    saved = send(lab, "/api/records/people", body)
    assert saved.status_code == 201, saved.content
    person = Person.objects.get(registration_number="REG-C9")
    assert (person.institution, person.level, person.registration_scope) == (
        world.city,
        2,
        ["mass", "C01"],
    )
    assert person.valid_until == dt.date(2030, 12, 31)
    page = lab.get(f"/records/people/{person.pk}/edit/")
    assert page.status_code == 200
    assert "mass, C01" in page.content.decode()
    assert send(login(world, "reg_zibo"), "/api/records/people", body).status_code == 403
