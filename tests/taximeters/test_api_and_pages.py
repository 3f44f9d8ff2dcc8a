"""Who may see and do what: a taxi company sees only its own meters; only regulators create
packages and campaigns; bad input answers 4xx with field and reason and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from jiliang.taximeters.models import Campaign, TariffPackage
from jiliang.trust import KeyRing, VerifierKey

from .conftest import BEIJING_2013, NEW_TARIFF

PACKAGE = {
    "scope_kind": "fleet",
    "effective_at": "2026-06-01T08:00:00Z",
    "parameters": NEW_TARIFF,
}


def _client(w, name):
    client = Client()
    if name:
        client.force_login(w.users[name])
    return client


@pytest.mark.parametrize(
    ("name", "serial_prefixes"),
    [
        (None, set()),
        ("taxi", {"A"}),
        ("taxi2", {"B"}),
        ("market", set()),
        ("reg_zibo", set()),
        ("reg_bj", {"A", "B"}),
        ("admin", {"A", "B"}),
    ],
)
def test_meters_are_scoped(taxi_world, name, serial_prefixes) -> None:
    client = _client(taxi_world, name)
    listing = client.get("/api/taximeters/meters")
    detail = client.get("/api/taximeters/meters/A000001")
    if name is None:  # anonymous: told to sign in rather than shown an empty list
        assert listing.status_code == 401 and detail.status_code == 401
    else:
        items = listing.json()["items"]
        assert {m["meter_serial"][0] for m in items} == serial_prefixes
        assert detail.status_code == (200 if "A" in serial_prefixes else 404)
    page = client.get("/taximeters/")
    if name is None:
        assert page.status_code == 302  # to the login page
    else:
        assert page.status_code == 200
        text = page.content.decode()
        assert ("A000001" in text) is ("A" in serial_prefixes)
        assert ("B000001" in text) is ("B" in serial_prefixes)
        meter_page = client.get("/taximeters/meters/A000001/")
        assert meter_page.status_code == (200 if "A" in serial_prefixes else 404)


@pytest.mark.parametrize("name", [None, "taxi", "zibo_lab", "market"])
def test_only_regulators_create_packages(taxi_world, name) -> None:
    w = taxi_world
    client = _client(w, name)
    response = client.post(
        "/api/taximeters/packages",
        {**PACKAGE, "scope_id": w.taxi.uscc},
        content_type="application/json",
    )
    if name is None:  # anonymous: 401 before any role check
        assert response.status_code == 401
        assert response.json()["detail"] == "sign in or send a bearer token"
    else:
        assert response.status_code == 403
        assert response.json()["errors"][0]["field"] == "user"
    assert TariffPackage.objects.count() == 0


def test_regulator_creates_package_and_campaign(taxi_world) -> None:
    w = taxi_world
    bj = _client(w, "reg_bj")
    created = bj.post(
        "/api/taximeters/packages",
        {**PACKAGE, "scope_id": w.taxi.uscc},
        content_type="application/json",
    )
    assert created.status_code == 201
    package = created.json()
    assert package["version"] == 1 and package["signed_note"].endswith("\n")
    stale = bj.post(
        "/api/taximeters/packages",
        {**PACKAGE, "scope_id": w.taxi.uscc, "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 400 and stale.json()["errors"][0]["field"] == "version"
    bad = bj.post(
        "/api/taximeters/packages",
        {**PACKAGE, "scope_id": w.taxi.uscc, "parameters": {**BEIJING_2013, "extra": 1}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "parameters"
    assert TariffPackage.objects.count() == 1
    # The package verifies against the published regulator key.
    keys = Client().get("/api/taximeters/regulator-keys").json()
    ring = KeyRing([VerifierKey.parse(keys[0]["vkey"])])
    assert ring.keys()[0].name == f"regulator.{w.regulator_bj.uscc}"
    # Campaigns: only the signing regulator, for meters of its region.
    for name, status in (("taxi", 403), ("reg_zibo", 403)):
        refused = _client(w, name).post(
            "/api/taximeters/campaigns",
            {"package_id": package["id"]},
            content_type="application/json",
        )
        assert refused.status_code == status
    assert Campaign.objects.count() == 0
    started = bj.post(
        "/api/taximeters/campaigns", {"package_id": package["id"]}, content_type="application/json"
    )
    assert started.status_code == 201
    assert started.json()["counts"] == {"pending": 5, "applied": 0, "rejected": 0, "alerts": 0}
    cid = started.json()["id"]
    assert bj.get(f"/api/taximeters/campaigns/{cid}").status_code == 200
    assert _client(w, "taxi").get(f"/api/taximeters/campaigns/{cid}").status_code == 404
    assert _client(w, "reg_zibo").get(f"/api/taximeters/campaigns/{cid}").status_code == 404
    page = bj.get(f"/taximeters/campaigns/{cid}/")
    assert page.status_code == 200 and "v1" in page.content.decode()
    assert _client(w, "taxi").get(f"/taximeters/campaigns/{cid}/").status_code == 404
    assert "campaigns" in bj.get("/taximeters/").content.decode()
    missing = bj.post(
        "/api/taximeters/campaigns", {"package_id": 999}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_report_endpoint_raises_alert_seen_by_owner_and_regulator_only(taxi_world) -> None:
    w = taxi_world
    meter = w.fleet[0]
    report = {"tariff_version": 0, "parameter_hash": "0" * 64, "event_counter": 0}
    other = _client(w, "taxi2").post(
        f"/api/taximeters/meters/{meter.meter_serial}/report",
        report,
        content_type="application/json",
    )
    assert other.status_code == 404
    sent = _client(w, "taxi").post(
        f"/api/taximeters/meters/{meter.meter_serial}/report",
        report,
        content_type="application/json",
    )
    assert sent.status_code == 200 and sent.json()["seal_intact"] is False
    for name, count in (("taxi", 1), ("taxi2", 0), ("reg_bj", 1), ("reg_zibo", 0)):
        assert len(_client(w, name).get("/api/taximeters/alerts").json()) == count
    good = {
        "tariff_version": 0,
        "parameter_hash": meter.parameter_hash,
        "event_counter": 0,
    }
    ok = _client(w, "taxi").post(
        f"/api/taximeters/meters/{meter.meter_serial}/report", good, content_type="application/json"
    )
    assert ok.json()["seal_intact"] is True
    bad_campaign = _client(w, "taxi").post(
        f"/api/taximeters/meters/{meter.meter_serial}/report",
        {**good, "campaign_id": 12345},
        content_type="application/json",
    )
    assert bad_campaign.status_code == 400
    assert bad_campaign.json()["errors"][0]["field"] == "campaign_id"
