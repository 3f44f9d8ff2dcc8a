"""Customer relations (issue 12 §1): what a laboratory sees of an owner comes from a relation
the owner can see and end, and only the instruments the lab worked on or was given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from jiliang.registry import customers, importers
from jiliang.registry.models import Certificate, Instrument, LabAccess, LabCustomer
from tests.calibration.conftest import SCALE_PARAMETERS
from tests.csvfiles import CERTIFICATE_HEADER, scale_certificate, write_csv

COMPANY_SIZE = 220  # the finding: the market's whole register, as one company's


def client_for(world: Any, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(world.users[role])
    return client


def grow_market(world: Any) -> list[Instrument]:
    """The market owns 220 instruments: its scale and 219 more the city lab never saw."""
    more = Instrument.objects.bulk_create(
        Instrument(
            owner=world.market,
            name="电子计价秤 Retail scale",
            division_code="370303",
            serial_number=f"M-{n:04d}",
        )
        for n in range(1, COMPANY_SIZE)
    )
    assert Instrument.objects.filter(owner=world.market).count() == COMPANY_SIZE
    return more


def seen_serials(world: Any, role: str, owner: Any) -> set[str]:
    user = world.users[role]
    return set(
        Instrument.objects.visible_to(user)
        .filter(owner=owner)
        .values_list("serial_number", flat=True)
    )


def api_serials(client: Client) -> set[str]:
    response = client.get("/api/instruments?limit=1000")
    assert response.status_code == 200, response.content
    return {row["serial_number"] for row in response.json()["items"]}


def relation(world: Any, lab: Any, owner: Any) -> LabCustomer:
    return LabCustomer.objects.get(lab=lab, owner=owner)


# --- the finding ---------------------------------------------------------------------------------


def test_one_certificate_is_not_a_key_to_the_whole_register(world) -> None:
    """The city lab certified one of the market's 220 instruments: it sees that one only
    (before issue 12 it saw all 220), in the queryset, the API and the instrument page."""
    grow_market(world)
    assert seen_serials(world, "zibo_lab", world.market) == {"SCALE-0001"}
    client = client_for(world, "zibo_lab")
    assert api_serials(client) == {"SCALE-0001", "F1-1KG-01"}  # the F1 weight is its own
    page = client.get("/instruments/?q=M-0")
    assert page.status_code == 200
    assert "M-0001" not in page.content.decode()
    hidden = Instrument.objects.get(owner=world.market, serial_number="M-0100")
    assert client.get(f"/api/instruments/{hidden.pk}").status_code == 404
    assert customers.hidden_from_lab(world.city.pk, [hidden.pk, world.scale.pk]) == {hidden.pk}
    assert customers.lab_may_see_instruments(world.city.pk, [world.scale.pk, world.f1_weight.pk])
    assert not customers.lab_may_see_instruments(world.city.pk, [hidden.pk])


def test_ending_the_relation_hides_the_owners_instruments(world) -> None:
    grow_market(world)
    ended = customers.end_relation(
        world.users["market"], relation(world, world.city, world.market).pk
    )
    assert ended.status == "ended" and ended.ended_by == world.users["market"]
    assert ended.ended_at is not None
    assert seen_serials(world, "zibo_lab", world.market) == set()
    client = client_for(world, "zibo_lab")
    assert client.get(f"/api/instruments/{world.scale.pk}").status_code == 404
    # it still sees the certificate it issued, and its own weight
    numbers = {c.number for c in Certificate.objects.visible_to(world.users["zibo_lab"])}
    assert "ZB-2025-0001" in numbers
    assert client.get(f"/api/certificates/{world.cert_scale.pk}").status_code == 200
    assert api_serials(client) == {"F1-1KG-01"}
    # the worked-on record stays: taken up again, the lab sees the scale again
    customers.grant(world.users["market"], world.city)
    assert seen_serials(world, "zibo_lab", world.market) == {"SCALE-0001"}


# --- imports create neither relation nor access ---------------------------------------------------


def test_an_import_creates_no_relation_for_a_lab_without_one(world, tmp_path: Path) -> None:
    """The province lab has no relation with the market: its import of a certificate for the
    market's scale is refused, and neither a relation nor access appears."""
    row = scale_certificate(world, "SD-2026-0001")
    row[2] = world.province.uscc
    row[10] = "SD-E2-001"
    path = write_csv(tmp_path / "c.csv", CERTIFICATE_HEADER, [row])
    with pytest.raises(importers.ImportRejected):
        importers.import_file(path, "certificates", world.users["sd_lab"])
    assert not LabCustomer.objects.filter(lab=world.province, owner=world.market).exists()
    assert not LabAccess.objects.filter(lab=world.province, instrument=world.scale).exists()
    assert seen_serials(world, "sd_lab", world.market) == set()
    assert not Certificate.objects.filter(number="SD-2026-0001").exists()


def test_an_import_gives_no_access_to_an_unseen_instrument(world, tmp_path: Path) -> None:
    """Inside an accepted relation, a certificate for an instrument the lab never worked on
    is refused: an import is not a way to reach the rest of the owner's register."""
    grow_market(world)
    row = scale_certificate(world, "ZB-2026-0500")
    row[4] = "M-0100"
    path = write_csv(tmp_path / "c.csv", CERTIFICATE_HEADER, [row])
    with pytest.raises(importers.ImportRejected):
        importers.import_file(path, "certificates", world.users["zibo_lab"])
    assert seen_serials(world, "zibo_lab", world.market) == {"SCALE-0001"}
    assert LabAccess.objects.filter(lab=world.city).count() == 1  # the scale only


def test_an_import_for_a_seen_instrument_notes_it_worked_on(world, tmp_path: Path) -> None:
    """Given all instruments, the lab imports a certificate for one: that one stays
    visible (worked on) after the owner stops giving all, the others do not."""
    grow_market(world)
    customers.grant(world.users["market"], world.city, all_instruments=True)
    assert len(seen_serials(world, "zibo_lab", world.market)) == COMPANY_SIZE
    row = scale_certificate(world, "ZB-2026-0501")
    row[4] = "M-0100"
    path = write_csv(tmp_path / "c.csv", CERTIFICATE_HEADER, [row])
    importers.import_file(path, "certificates", world.users["zibo_lab"])
    customers.grant(world.users["market"], world.city, all_instruments=False)
    assert seen_serials(world, "zibo_lab", world.market) == {"SCALE-0001", "M-0100"}
    assert relation(world, world.city, world.market).origin == "receipt"  # unchanged


# --- request, accept, grant, revoke, receipt ------------------------------------------------------


def test_a_request_shows_nothing_until_the_owner_accepts(world) -> None:
    grow_market(world)
    taxi_lab_user = world.users["sd_lab"]
    asked = customers.request_relation(taxi_lab_user, world.market, "送检合同 2026-17")
    assert (asked.status, asked.origin, asked.created_by) == ("requested", "request", taxi_lab_user)
    assert seen_serials(world, "sd_lab", world.market) == set()
    with pytest.raises(LabCustomer.DoesNotExist):  # the lab cannot accept its own request
        customers.accept_relation(taxi_lab_user, asked.pk)
    with pytest.raises(LabCustomer.DoesNotExist):  # nor another owner
        customers.accept_relation(world.users["taxi"], asked.pk)
    accepted = customers.accept_relation(world.users["market"], asked.pk)
    assert (accepted.status, accepted.accepted_by) == ("accepted", world.users["market"])
    # accepted, but the province lab worked on none of the market's instruments
    assert seen_serials(world, "sd_lab", world.market) == set()
    customers.grant(world.users["market"], world.province, [world.scale.pk])
    assert seen_serials(world, "sd_lab", world.market) == {"SCALE-0001"}
    assert customers.revoke(world.users["market"], world.province, [world.scale.pk]) == 1
    assert seen_serials(world, "sd_lab", world.market) == set()


def test_accepting_with_all_instruments_gives_the_whole_register(world) -> None:
    grow_market(world)
    asked = customers.request_relation(world.users["sd_lab"], world.market)
    customers.accept_relation(world.users["market"], asked.pk, all_instruments=True)
    assert len(seen_serials(world, "sd_lab", world.market)) == COMPANY_SIZE
    customers.end_relation(world.users["market"], asked.pk)
    assert seen_serials(world, "sd_lab", world.market) == set()


def test_the_owner_alone_grants_its_own_instruments(world) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):  # not the market's instrument
        customers.grant(world.users["market"], world.province, [world.taxi_meter.pk])
    assert not LabCustomer.objects.filter(lab=world.province, owner=world.market).exists()
    with pytest.raises(ValidationError):  # a market is no laboratory
        customers.grant(world.users["taxi"], world.market, [world.taxi_meter.pk])
    with pytest.raises(PermissionDenied):  # a regulator owns nothing here
        customers.grant(world.users["reg_zibo"], world.province, [world.scale.pk])
    with pytest.raises(PermissionDenied):  # only laboratories request
        customers.request_relation(world.users["market"], world.taxi)
    with pytest.raises(ValidationError):  # already a customer
        customers.request_relation(world.users["zibo_lab"], world.market)
    with pytest.raises(ValidationError):
        customers.request_relation(world.users["zibo_lab"], world.city)
    with pytest.raises(ValidationError):
        customers.request_relation(world.users["sd_lab"], world.market, "x" * 201)
    assert LabCustomer.objects.count() == 3  # the world's, nothing more


def test_a_receipt_records_the_instrument_as_worked_on(world) -> None:
    """The market sends its second scale to the province lab; the lab receives it in a job:
    the relation is there (receipt keeps it) and the scale stays visible after the market
    takes its grant back, until the market ends the relation."""
    from jiliang.calibration import services as calibration
    from jiliang.calibration.models import ProcedureRecord

    second = Instrument.objects.create(
        owner=world.market, name="电子计价秤", division_code="370303", serial_number="S-2"
    )
    customers.grant(world.users["market"], world.province, [second.pk])
    calibration.load_builtin_procedures()
    calibration.create_job(
        world.users["sd_lab"],
        instrument=second,
        receipt_number="SD-R-0001",
        received_on=dt.date(2026, 12, 1),
        procedure=ProcedureRecord.objects.get(code="JJG 539-2016", institution=None),
        accuracy_class="III",
        parameters=SCALE_PARAMETERS,
    )
    access = LabAccess.objects.get(lab=world.province, instrument=second)
    assert access.reason == LabAccess.Reason.WORKED
    assert relation(world, world.province, world.market).status == "accepted"
    assert customers.revoke(world.users["market"], world.province, [second.pk]) == 0
    assert seen_serials(world, "sd_lab", world.market) == {"S-2"}
    customers.end_relation(world.users["market"], relation(world, world.province, world.market).pk)
    assert seen_serials(world, "sd_lab", world.market) == set()


def test_note_receipt_creates_the_relation(world) -> None:
    """The receipt hook: with no relation yet, the receipt makes the owner a customer,
    recorded as created by the receiving user; it never reopens one the owner ended."""
    LabCustomer.objects.filter(lab=world.city, owner=world.market).delete()
    made = customers.note_receipt(world.users["zibo_lab"], world.city.pk, world.scale)
    assert made is not None
    assert (made.status, made.origin, made.created_by) == (
        "accepted",
        "receipt",
        world.users["zibo_lab"],
    )
    customers.end_relation(world.users["market"], made.pk)
    again = customers.note_receipt(world.users["zibo_lab"], world.city.pk, world.scale)
    assert again is not None and again.status == "ended"
    assert customers.note_receipt(world.users["zibo_lab"], world.city.pk, world.f1_weight) is None


def test_an_instrument_changing_owner_loses_its_access(world) -> None:
    scale = Instrument.objects.get(pk=world.scale.pk)
    scale.owner = world.taxi
    scale.save()
    customers.grant(world.users["taxi"], world.city)  # a relation, but nothing worked on
    assert seen_serials(world, "zibo_lab", world.taxi) == set()


# --- API ------------------------------------------------------------------------------------------


def test_relations_through_the_api_with_the_change_log(world) -> None:
    lab = client_for(world, "sd_lab")
    owner = client_for(world, "market")
    made = lab.post(
        "/api/customers/requests",
        {"owner_id": world.market.pk, "note": "合同 17"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["created_by"], body["owner"]) == (
        "requested",
        "sd_lab",
        world.market.name_zh,
    )
    rid = body["id"]
    assert {r["id"] for r in owner.get("/api/customers").json()["items"]} >= {rid}
    assert owner.get("/api/customers?status=requested").json()["count"] == 1
    assert (
        lab.post(f"/api/customers/{rid}/accept", {}, content_type="application/json").status_code
        == 404
    )
    accepted = owner.post(
        f"/api/customers/{rid}/accept", {"all_instruments": False}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["accepted_by"] == "market"
    granted = owner.post(
        "/api/customers/grants",
        {"lab_id": world.province.pk, "instrument_ids": [world.scale.pk]},
        content_type="application/json",
    )
    assert granted.status_code == 200, granted.content
    access = owner.get(f"/api/customers/{rid}/access").json()["items"]
    assert access == [{"instrument_id": world.scale.pk, "reason": "granted"}]
    assert "SCALE-0001" in api_serials(lab)
    ended = owner.post(f"/api/customers/{rid}/end", content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_by"] == "market"
    assert "SCALE-0001" not in api_serials(lab)
    # the change log shows who did what: created, accepted, ended
    log = owner.get(f"/api/changes/registry.labcustomer/{rid}").json()
    statuses = [(c["user"], (c["after"] or {}).get("status")) for c in reversed(log)]
    assert statuses == [("sd_lab", "requested"), ("market", "accepted"), ("market", "ended")]
    assert lab.get(f"/api/changes/registry.labcustomer/{rid}").status_code == 200
    assert (
        client_for(world, "taxi").get(f"/api/changes/registry.labcustomer/{rid}").status_code == 404
    )


ENDPOINTS = ("list", "get", "request", "accept", "end", "grant")
# role → status per endpoint, for the world's relation city lab → market
EXPECTED = {
    # its own relation: reads it, cannot decide it; grants its own weight to the province
    "zibo_lab": (200, 200, 400, 404, 404, 200),
    "sd_lab": (200, 404, 201, 404, 404, 400),  # granting to itself: no
    "nim_lab": (200, 404, 201, 404, 404, 200),
    "market": (200, 200, 403, 400, 200, 200),
    "taxi": (200, 404, 403, 404, 404, 200),
    "reg_zibo": (200, 200, 403, 403, 403, 403),  # its region's relations, read only
    "reg_bj": (200, 404, 403, 403, 403, 403),
    # anonymous: private endpoints answer 401 (accounts.api_auth.api_user), not an empty list
    None: (401, 401, 401, 401, 401, 401),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_by_endpoint_matrix(world, role) -> None:
    client = client_for(world, role)
    rid = relation(world, world.city, world.market).pk
    json = "application/json"
    got = (
        client.get("/api/customers").status_code,
        client.get(f"/api/customers/{rid}").status_code,
        client.post(
            "/api/customers/requests", {"owner_id": world.market.pk}, content_type=json
        ).status_code,
        client.post(f"/api/customers/{rid}/accept", {}, content_type=json).status_code,
        client.post(f"/api/customers/{rid}/end", content_type=json).status_code,
        client.post(
            "/api/customers/grants",
            {"lab_id": world.province.pk, "all_instruments": True},
            content_type=json,
        ).status_code,
    )
    assert dict(zip(ENDPOINTS, got, strict=True)) == dict(
        zip(ENDPOINTS, EXPECTED[role], strict=True)
    )


def test_bad_input_is_a_4xx_with_a_body_and_changes_nothing(world) -> None:
    owner = client_for(world, "market")
    lab = client_for(world, "sd_lab")
    json = "application/json"
    before = (LabCustomer.objects.count(), LabAccess.objects.count())
    cases = [
        (lab, "/api/customers/requests", {"owner_id": 0}, 422),
        (lab, "/api/customers/requests", {"owner_id": 2**63}, 422),
        (lab, "/api/customers/requests", {"owner_id": 99_999_999}, 404),
        (lab, "/api/customers/requests", {"owner_id": world.market.pk, "note": "x" * 201}, 422),
        (lab, "/api/customers/requests", {"owner_id": world.market.pk, "note": "a\x00b"}, 400),
        (owner, "/api/customers/99999999/accept", {}, 404),
        (owner, "/api/customers/abc/end", {}, 422),
        (owner, "/api/customers/grants", {"lab_id": world.city.pk, "instrument_ids": [0]}, 422),
        (
            owner,
            "/api/customers/grants",
            {"lab_id": world.city.pk, "instrument_ids": list(range(1, 1002))},
            422,
        ),
        (
            owner,
            "/api/customers/grants",
            {"lab_id": world.city.pk, "instrument_ids": [world.taxi_meter.pk]},
            400,
        ),
        (owner, "/api/customers/grants", {"lab_id": world.market.pk}, 400),
        (owner, "/api/customers/revocations", {"lab_id": world.city.pk}, 422),
    ]
    for client, path, payload, status in cases:
        response = client.post(path, payload, content_type=json)
        assert response.status_code == status, (path, payload, response.content)
        assert response.json(), path
    assert owner.get("/api/customers?status=bogus").status_code == 422
    assert (LabCustomer.objects.count(), LabAccess.objects.count()) == before


@pytest.mark.parametrize("large", [False, True])
def test_both_plans_give_the_same_instruments(world, monkeypatch, large) -> None:
    """A lab with many access rows is probed per instrument (EXISTS), a small one reads an
    array of ids: the same rule either way (the threshold lowered to 1 for the large plan)."""
    from jiliang.registry import counting

    grow_market(world)
    if large:
        monkeypatch.setattr(counting, "LARGE_SCOPE", 1)
    customers.grant(world.users["market"], world.city, [world.scale.pk])
    extra = Instrument.objects.get(owner=world.market, serial_number="M-0007")
    customers.grant(world.users["market"], world.city, [extra.pk])
    assert seen_serials(world, "zibo_lab", world.market) == {"SCALE-0001", "M-0007"}
    client = client_for(world, "zibo_lab")
    assert api_serials(client) == {"SCALE-0001", "M-0007", "F1-1KG-01"}
    assert customers.hidden_from_lab(world.city.pk, [extra.pk, world.taxi_meter.pk]) == {
        world.taxi_meter.pk
    }
    customers.end_relation(world.users["market"], relation(world, world.city, world.market).pk)
    assert api_serials(client) == {"F1-1KG-01"}


def test_the_visibility_predicate_takes_an_import_sized_list(world) -> None:
    """12,000 ids (three chunks, past SQLite's old 999-value limit): only the lab's own and
    worked-on ones are visible; ids that do not exist are simply not visible."""
    more = grow_market(world)
    ids = [world.scale.pk, world.f1_weight.pk, *(i.pk for i in more), *range(10**9, 10**9 + 11_780)]
    hidden = customers.hidden_from_lab(world.city.pk, ids)
    assert hidden == set(ids) - {world.scale.pk, world.f1_weight.pk}
    assert customers.hidden_from_lab(world.city.pk, []) == set()
