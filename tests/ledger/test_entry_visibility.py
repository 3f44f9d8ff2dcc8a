"""Issue 12 §1: a log entry's record body is readable exactly by those who may see the object
it records (the registry's visible_to), never decided by the columns stored beside it.
Indices, leaf hashes, proofs and checkpoints stay public."""

from __future__ import annotations

from typing import Any

from django.test import Client

from jiliang.ledger import services
from jiliang.ledger.models import LogEntry
from jiliang.registry.models import Certificate, Institution, MeasurementStandard
from jiliang.trust import LogRecord

from ..conftest import uscc


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _readable(client: Client) -> dict[int, bool]:
    items = client.get("/api/ledger/entries", {"limit": 500}).json()["items"]
    return {r["leaf_index"]: r["record"] is not None for r in items}


def _centre_user(world: Any) -> Any:
    from jiliang.accounts.models import User

    centre = Institution.objects.create(
        name_zh="华东国家计量测试中心",
        kind="regional_centre",
        division_code="320100",
        uscc=uscc("12320000400000070"),
    )
    return User.objects.create_user(
        "centre", password="pw-test-123", institution=centre, role="centre"
    )


def test_centre_reads_only_entries_of_objects_it_may_see(logged_world) -> None:
    user = _centre_user(logged_world)
    readable = _readable(_client(user))
    certificates = LogEntry.objects.filter(record_type="certificate.issued")
    assert certificates.count() == 3
    # The centre issued and owns none of the world's certificates: their bodies stay hidden.
    assert not Certificate.objects.visible_to(user).exists()
    assert all(readable[e.leaf_index] is False for e in certificates)
    detail = _client(user).get(f"/api/ledger/entries/{certificates[0].leaf_index}").json()
    assert detail["record"] is None and len(detail["leaf_hash"]) == 64  # the hash is public
    assert _client(user).get("/api/ledger/proof/certificate/ZB-2025-0001").status_code == 404


def test_standard_events_follow_the_public_register(logged_world) -> None:
    # Measurement standards and their examination certificates are a public register.
    standard = LogEntry.objects.filter(record_type="standard.examination_granted").first()
    assert standard is not None
    assert MeasurementStandard.objects.visible_to(None).exists()
    assert _readable(_client())[standard.leaf_index] is True
    assert _readable(_client())[LogEntry.objects.get(subject="ZB-2025-0001").leaf_index] is False


def test_records_about_no_registry_object_are_for_admins_only(logged_world) -> None:
    (index,) = services.append([services.Item(LogRecord("test.event", 1, {"n": 1}))])
    assert _readable(_client(logged_world.users["market"]))[index] is False
    assert _readable(_client(logged_world.users["admin"]))[index] is True


def test_each_user_reads_the_entries_of_the_certificates_the_registry_shows(
    logged_world,
) -> None:
    for name, user in logged_world.users.items():
        visible = set(Certificate.objects.visible_to(user).values_list("number", flat=True))
        readable = _readable(_client(user))
        for entry in LogEntry.objects.filter(record_type="certificate.issued"):
            assert readable[entry.leaf_index] is (entry.subject in visible), (name, entry)


def test_seal_events_follow_the_meter(logged_world) -> None:
    from jiliang.taximeters import services as taxi_services

    w = logged_world
    parameters = {  # the Beijing 2013 tariff (tests/taximeters/conftest.py)
        "start_fare": "13.00",
        "start_distance_m": 3000,
        "fare_step_distance_m": 500,
        "price_per_km": "2.30",
        "waiting_price_per_min": "0.46",
        "night_surcharge_percent": "20.00",
        "crossover_speed_kmh": "12.00",
        "k_pulses_per_km": 1000,
    }
    meter = taxi_services.register_meter(
        w.users["taxi"],
        w.taxi_meter,
        vehicle_plate="京B00001",
        meter_serial="M-0001",
        parameters=parameters,
    )
    body = {"event": "package_applied", "version": 1}
    (index,) = services.append([taxi_services._seal_item(meter, body)])
    assert _readable(_client(w.users["taxi"]))[index] is True  # the meter's owner
    assert _readable(_client(w.users["market"]))[index] is False
    assert _readable(_client())[index] is False
    assert services.audit().ok  # its columns are what the body and the meter say
