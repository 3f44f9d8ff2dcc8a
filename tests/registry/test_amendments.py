"""Amendments 更正/替代: only the issuer (or, for an external certificate, the instrument's
owner) issues a new certificate pointing to the original, through the page or the API; bad
input is refused naming the field with nothing written; the original never changes; the chain
shows on both pages; the transparency log records what was amended."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from jiliang.registry.models import Certificate, Person, ReferenceMaterial

ISSUER = "zibo_lab"  # the city institute issued world.cert_scale (ZB-2025-0001)
FROZEN = (
    "number",
    "kind",
    "issuer_id",
    "instrument_id",
    "regulation",
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "accuracy_class",
    "verifier_id",
    "checker_id",
    "approver_id",
    "amends_id",
    "amendment",
)


def client_for(world: Any, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(world.users[role])
    return client


def snapshot(cert: Certificate) -> dict[str, Any]:
    fresh = Certificate.objects.get(pk=cert.pk)
    values = {name: getattr(fresh, name) for name in FROZEN}
    values["standards"] = sorted(fresh.standards_used.values_list("code", flat=True))
    values["materials"] = sorted(fresh.materials_used.values_list("gbw_number", flat=True))
    return values


def post_api(client: Client, cert: Certificate, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/certificates/{cert.pk}/amendments",
        data=json.dumps(body),
        content_type="application/json",
    )


def form_data(cert: Certificate, **overrides: Any) -> dict[str, str]:
    """What the prefilled form posts back, with the user's corrections."""
    data = {
        "number": "ZB-2025-0001-A1",
        "amendment": "amends",
        "kind": cert.kind,
        "regulation": cert.regulation,
        "calibration_date": cert.calibration_date.isoformat(),
        "issued_on": "2025-09-20",
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else "",
        "conclusion": cert.conclusion,
        "accuracy_class": cert.accuracy_class,
        "verifier": cert.verifier.registration_number if cert.verifier else "",
        "checker": "",
        "approver": "",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


@pytest.fixture
def material(world: Any) -> ReferenceMaterial:
    """A reference material recorded on the original, so copying it can be checked."""
    rm = ReferenceMaterial.objects.create(
        gbw_number="GBW07101",
        name="RM",
        producer=world.nim,
        quantity=world.primary.quantity,
        certified_value=1.0,
        unit="kg",
        expanded_uncertainty=0.01,
        expiry=dt.date(2030, 1, 1),
    )
    world.cert_scale.materials_used.add(rm)
    return rm


def test_issuer_amends_through_the_page(world, material) -> None:
    original = world.cert_scale
    before = snapshot(original)
    client = client_for(world, ISSUER)
    detail = client.get(f"/certificates/{original.pk}/")
    assert f'href="/certificates/{original.pk}/amend/"' in detail.content.decode()
    form = client.get(f"/certificates/{original.pk}/amend/")
    assert form.status_code == 200
    text = form.content.decode()
    assert "<h1>更正/替代证书 <code>" in text  # Chinese by default (issue 13 i18n)
    client.cookies["django_language"] = "en"
    english = client.get(f"/certificates/{original.pk}/amend/").content.decode()
    assert "<h1>Amend or substitute a certificate <code>" in english
    del client.cookies["django_language"]
    assert 'value="JJG 99-2022"' in text and 'value="2025-09-01"' in text  # prefilled
    response = client.post(
        f"/certificates/{original.pk}/amend/",
        form_data(original, valid_until="2026-06-30", accuracy_class="III"),
    )
    new = Certificate.objects.get(number="ZB-2025-0001-A1")
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{new.pk}/"
    assert new.amends_id == original.pk and new.amendment == "amends"
    assert new.valid_until == dt.date(2026, 6, 30) and new.accuracy_class == "III"
    assert new.issued_on == dt.date(2025, 9, 20)
    # copied: issuer, instrument, signatory, standards and reference materials used
    assert (new.issuer_id, new.instrument_id) == (world.city.pk, world.scale.pk)
    assert new.verifier_id == world.people["nim"].pk
    assert list(new.standards_used.values_list("code", flat=True)) == ["ZB-F1-001"]
    assert list(new.materials_used.all()) == [material]
    # the link carries the instrument (trace down counts from it)
    assert set(new.certificatestandard_set.values_list("instrument_id", flat=True)) == {
        world.scale.pk
    }
    assert snapshot(original) == before


def test_issuer_amends_through_the_api_and_may_substitute(world) -> None:
    original = world.cert_scale
    before = snapshot(original)
    response = post_api(
        client_for(world, ISSUER),
        original,
        {
            "number": "ZB-2025-0001-S",
            "amendment": "substitutes",
            "issued_on": "2025-10-01",
            "kind": "notice",
            "conclusion": "fail",
            "valid_until": None,
            "verifier": "REG-C1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "ZB-2025-0001-S"
    assert body["amends"] == original.pk and body["amendment"] == "substitutes"
    assert (body["kind"], body["conclusion"], body["valid_until"]) == ("notice", "fail", None)
    assert body["regulation"] == original.regulation  # not given: copied
    assert body["calibration_date"] == "2025-09-01"
    assert body["verifier"] == world.people["city"].pk
    assert body["standards_used"] == ["ZB-F1-001"]
    assert snapshot(original) == before


def test_administrator_may_amend(world) -> None:
    response = post_api(
        client_for(world, "admin"),
        world.cert_f1,
        {"number": "SD-2025-0001-A", "issued_on": "2025-04-02"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["issuer"] == world.province.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("market", 403),  # the instrument's owner sees the certificate, did not issue it
        ("reg_zibo", 403),  # the regulator of the region sees it
        ("sd_lab", 404),  # another laboratory does not see it
        ("nim_lab", 404),
        ("taxi", 404),
        ("reg_bj", 404),
    ],
)
def test_others_may_not_amend_and_nothing_changes(world, role, status) -> None:
    original = world.cert_scale
    before, count = snapshot(original), Certificate.objects.count()
    client = client_for(world, role)
    detail = client.get(f"/certificates/{original.pk}/")
    assert detail.status_code == (200 if status == 403 else 404)
    assert "/amend/" not in detail.content.decode()
    assert client.get(f"/certificates/{original.pk}/amend/").status_code == status
    assert client.post(f"/certificates/{original.pk}/amend/", form_data(original)).status_code == (
        status
    )
    assert post_api(client, original, {"number": "X-1"}).status_code == status
    assert Certificate.objects.count() == count
    assert snapshot(original) == before


def test_a_laboratory_may_not_amend_a_certificate_it_only_sees(world) -> None:
    """The city lab sees the province's certificate of its F1 weights; it did not issue it."""
    client = client_for(world, ISSUER)
    assert client.get(f"/certificates/{world.cert_f1.pk}/").status_code == 200
    response = post_api(client, world.cert_f1, {"number": "SD-2025-0001-A"})
    assert response.status_code == 403
    assert "issuing institution" in response.json()["detail"]
    assert not Certificate.objects.filter(number="SD-2025-0001-A").exists()


def test_anonymous_may_not_amend(world) -> None:
    client = client_for(world, None)
    assert post_api(client, world.cert_scale, {"number": "X-1"}).status_code == 401
    page = client.get(f"/certificates/{world.cert_scale.pk}/amend/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_external_certificate_is_amended_by_the_owner_only(world) -> None:
    external = Certificate.objects.create(
        number="PTB-2025-77",
        kind="calibration",
        external_issuer="Physikalisch-Technische Bundesanstalt",
        cmc_reference="M-1234",
        instrument=world.scale,
        regulation="JJF 1847-2020",
        calibration_date=dt.date(2025, 10, 1),
        issued_on=dt.date(2025, 10, 3),
        conclusion="calibrated",
    )
    assert post_api(client_for(world, "reg_zibo"), external, {"number": "P-1"}).status_code == 403
    assert post_api(client_for(world, ISSUER), external, {"number": "P-1"}).status_code == 404
    assert not Certificate.objects.filter(number="P-1").exists()
    response = post_api(
        client_for(world, "market"),
        external,
        {"number": "PTB-2025-77-K", "issued_on": "2025-11-01"},
    )
    assert response.status_code == 201, response.content
    new = Certificate.objects.get(number="PTB-2025-77-K")
    assert new.issuer_id is None and new.external_issuer == external.external_issuer
    assert new.cmc_reference == "M-1234" and new.amends_id == external.pk


BAD_INPUT = [
    ({"number": "ZB-2025-0001"}, "number", "already exists"),  # its own: it may see it
    # another's: one message whether it exists or lies in a series (nothing to learn)
    ({"number": "NIM-2025-0001"}, "number", "is not available"),
    ({"number": "ZB/2026/1"}, "number", "contains '/'"),
    ({"number": "ZB-2026-1?x=1"}, "number", "contains '= ?'"),
    ({"number": "ZB-2026#1"}, "number", "contains '#'"),
    ({"number": "ZB-2026-100%"}, "number", "contains '%'"),
    ({"number": "ZB-2026\x001"}, "number", "NUL"),
    ({"number": "ZB-2026\x1b1"}, "number", "U+001B"),
    ({"regulation": "JJG\x00539"}, "regulation", "NUL"),
    ({"verifier": "REG\x00-C1"}, "verifier", "NUL"),  # before the lookup (PostgreSQL)
    ({"checker": "REG-P1"}, "checker", "no registered metrologist 'REG-P1' of the issuing"),
    ({"number": "  "}, "number", "required"),
    ({"issued_on": "2025-08-31"}, "issued_on", "original"),
    ({"calibration_date": "2025-09-25"}, "issued_on", "before calibration_date"),
    ({"valid_until": "2025-08-01"}, "valid_until", "before calibration_date"),
    ({"kind": "notice"}, "conclusion", "notice records a failure"),
    ({"conclusion": "fail"}, "conclusion", "verification certificate records a pass"),
    ({"kind": "licence"}, "kind", "must be one of"),
    ({"amendment": "revokes"}, "amendment", "must be one of"),
    ({"verifier": "REG-NOBODY"}, "verifier", "no registered metrologist"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD_INPUT)
def test_bad_input_through_the_api_names_the_field(world, change, field, reason) -> None:
    count = Certificate.objects.count()
    body = {"number": "ZB-2025-0001-A1", "issued_on": "2025-09-20", **change}
    response = post_api(client_for(world, ISSUER), world.cert_scale, body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert Certificate.objects.count() == count


@pytest.mark.parametrize(("change", "field", "reason"), BAD_INPUT)
def test_bad_input_through_the_page_rerenders_the_form(world, change, field, reason) -> None:
    count = Certificate.objects.count()
    original = world.cert_scale
    response = client_for(world, ISSUER).post(
        f"/certificates/{original.pk}/amend/", form_data(original, **change)
    )
    assert response.status_code == 400
    form = response.context["form"]
    messages = [m for m in form.errors.get(field, [])] + [
        m for m in form.non_field_errors() if m.startswith(f"{field}:")
    ]
    assert messages, form.errors
    nul = any("\x00" in str(value) for value in change.values())
    if field in ("kind", "amendment") or change.get("number") == "  " or nul:
        # the form's own fields refuse these, in the page's language (Django's messages)
        # the field's name, marked as data (bdi) since issue 13's i18n
        assert f'<code><bdi lang="zh">{field}</bdi></code>' in response.content.decode()
    else:
        assert any(reason in m for m in messages), form.errors
        assert reason in response.content.decode().replace("&#x27;", "'")
    assert Certificate.objects.count() == count


def test_malformed_date_is_422_naming_the_field(world) -> None:
    response = post_api(
        client_for(world, ISSUER), world.cert_scale, {"number": "A-1", "issued_on": "2025-13-40"}
    )
    assert response.status_code == 422
    assert "issued_on" in response.json()["errors"][0]["field"]
    assert not Certificate.objects.filter(number="A-1").exists()


def _person(world: Any, reg: str, **overrides: Any) -> Person:
    values = {
        "institution": world.city,
        "name": f"person {reg}",
        "registration_number": reg,
        "level": 2,
        "registration_scope": ["mass", "C01"],
        "valid_from": dt.date(2020, 1, 1),
        "valid_until": dt.date(2030, 1, 1),
        "roles": ["verifier", "checker", "approver"],
        **overrides,
    }
    return Person.objects.create(**values)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"valid_until": dt.date(2025, 1, 1)}, "is not valid on 2025-09-20"),
        ({"registration_scope": ["pressure"]}, "does not cover mass / C01"),
        ({"roles": ["verifier"]}, "not registered for the role approver"),
    ],
)
def test_a_new_signatory_must_be_registered_for_the_work(world, overrides, reason) -> None:
    _person(world, "REG-C9", **overrides)
    body = {"number": "ZB-2025-0001-A1", "issued_on": "2025-09-20", "approver": "REG-C9"}
    response = post_api(client_for(world, ISSUER), world.cert_scale, body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == "approver" and reason in e["reason"] for e in errors), errors
    assert not Certificate.objects.filter(number="ZB-2025-0001-A1").exists()


def test_signatory_of_another_institution_and_one_person_twice_are_refused(world) -> None:
    admin = client_for(world, "admin")
    body = {"number": "ZB-2025-0001-A1", "issued_on": "2025-09-20", "checker": "REG-P1"}
    errors = post_api(admin, world.cert_scale, body).json()["errors"]
    assert any(e["field"] == "checker" and "issuing institution" in e["reason"] for e in errors)
    body = {**body, "verifier": "REG-C1", "checker": "REG-C1"}
    errors = post_api(admin, world.cert_scale, body).json()["errors"]
    assert any(e["field"] == "checker" and "another role" in e["reason"] for e in errors)
    assert not Certificate.objects.filter(number="ZB-2025-0001-A1").exists()


def test_only_the_latest_certificate_of_a_chain_is_amended(world) -> None:
    client = client_for(world, ISSUER)
    original = world.cert_scale
    first = post_api(client, original, {"number": "ZB-A1", "issued_on": "2025-09-20"})
    assert first.status_code == 201
    second = post_api(client, original, {"number": "ZB-A2", "issued_on": "2025-09-21"})
    assert second.status_code == 400
    [error] = second.json()["errors"]
    assert error["field"] == "amends" and "amend the latest one, ZB-A1" in error["reason"]
    page = client.post(f"/certificates/{original.pk}/amend/", form_data(original, number="ZB-A2"))
    assert page.status_code == 400 and "ZB-A1" in page.content.decode()
    assert "ZB-A1" in client.get(f"/certificates/{original.pk}/amend/").content.decode()
    # amending the latest one works, and the chain grows
    latest = Certificate.objects.get(number="ZB-A1")
    third = post_api(client, latest, {"number": "ZB-A2", "issued_on": "2025-09-21"})
    assert third.status_code == 201
    second = post_api(client, original, {"number": "ZB-A3", "issued_on": "2025-09-22"})
    assert "amend the latest one, ZB-A2" in second.json()["errors"][0]["reason"]
    assert not Certificate.objects.filter(number="ZB-A3").exists()


def test_both_pages_show_the_chain(world) -> None:
    client = client_for(world, "market")  # the owner reads both certificates
    original = world.cert_scale
    assert post_api(client_for(world, ISSUER), original, {"number": "ZB-A1"}).status_code == 201
    new = Certificate.objects.get(number="ZB-A1")
    old_page = client.get(f"/certificates/{original.pk}/").content.decode()
    assert "本证书已被更正/替代" in old_page  # Chinese msgid by default (issue 13 i18n)
    client.cookies["django_language"] = "en"
    english = client.get(f"/certificates/{original.pk}/").content.decode()
    assert "This certificate has been amended or substituted by:" in english
    del client.cookies["django_language"]
    assert f'href="/certificates/{new.pk}/"><code>ZB-A1</code>' in old_page
    new_page = client.get(f"/certificates/{new.pk}/").content.decode()
    assert f'href="/certificates/{original.pk}/"><code>ZB-2025-0001</code>' in new_page
    assert "· 更正" in new_page  # the amendment label (Chinese msgid since issue 13)
    assert snapshot(original)["number"] == "ZB-2025-0001"


@pytest.fixture
def _ledger_keys(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    """The log key is generated into a fresh data dir, never into the repository."""
    settings.DATA_DIR = tmp_path / "data"
    for var in ("JILIANG_LOG_KEY", "JILIANG_LOG_KEY_NEXT", "JILIANG_WITNESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("JILIANG_LOG_ORIGIN", raising=False)


def test_the_ledger_logs_the_amendment(
    world, _ledger_keys, django_capture_on_commit_callbacks
) -> None:
    from jiliang.ledger.models import LogEntry

    with django_capture_on_commit_callbacks(execute=True):
        response = post_api(
            client_for(world, ISSUER),
            world.cert_scale,
            {"number": "ZB-A1", "amendment": "substitutes"},
        )
    assert response.status_code == 201
    entry = LogEntry.objects.get(subject="ZB-A1")
    body = json.loads(entry.record)["body"]
    assert entry.record_type == "certificate.issued"
    assert body["amends"] == "ZB-2025-0001" and body["amendment"] == "substitutes"
    assert body["standards_used"] == ["ZB-F1-001"]
