"""An import is recorded as one bulk creation; each object's change log still shows its row."""

from __future__ import annotations

from django.test import Client

from jiliang.accounts.audit import BULK_CHUNK, history, record_bulk_creation
from jiliang.accounts.models import BulkCreatedRows, BulkCreation
from jiliang.registry import importers
from jiliang.registry.models import Certificate, Instrument
from tests.csvfiles import CERTIFICATE_HEADER, write_csv

HEADER = ["owner_uscc", "name", "serial_number", "division_code", "use_area", "unit"]


def test_ids_are_chunked_at_gaps_and_at_the_chunk_size(world) -> None:
    # ids 1000..(1000+BULK_CHUNK+9), then a gap, then 5000..5002, given out of order
    run = list(range(1000, 1000 + BULK_CHUNK + 10))
    ids = [*run, 5000, 5001, 5002]
    created = [(pk, {"id": pk, "name": f"n{pk}"}) for pk in reversed(ids)]
    record_bulk_creation(world.users["admin"], Instrument, created, source="f.csv")
    chunks = list(BulkCreatedRows.objects.order_by("first_id").values_list("first_id", "last_id"))
    assert chunks == [
        (1000, 1000 + BULK_CHUNK - 1),
        (1000 + BULK_CHUNK, 1000 + BULK_CHUNK + 9),
        (5000, 5002),
    ]
    for pk in (1000, 1000 + BULK_CHUNK - 1, 1000 + BULK_CHUNK, 5002):
        [entry] = history("registry.instrument", pk)
        assert entry.after == {"id": pk, "name": f"n{pk}"} and entry.source == "f.csv"
    # ids in the gap, before the first chunk, after the last, or of another model: nothing
    for pk in (999, 1000 + BULK_CHUNK + 10, 4999, 5003):
        assert history("registry.instrument", pk) == []
    assert history("registry.certificate", 1000) == []
    assert history("registry.instrument", "not-a-number") == []


def test_an_imported_then_edited_instrument_shows_both_on_its_page_and_api(world, tmp_path) -> None:
    path = write_csv(
        tmp_path / "scales.csv",
        HEADER,
        [[world.market.uscc, "秤", f"B-{i}", "370303", "trade", "kg"] for i in range(3)],
    )
    importers.import_file(path, "instruments", world.users["market"])
    scale = Instrument.objects.get(owner=world.market, serial_number="B-1")
    scale.location = "摊位 7"
    scale.save()
    client = Client()
    client.force_login(world.users["market"])
    page = client.get(f"/changes/registry.instrument/{scale.pk}/")
    assert [row["record"].action for row in page.context["rows"]] == ["update", "create"]
    text = page.content.decode()
    assert "scales.csv, row 3" in text and "摊位 7" in text
    changes = client.get(f"/api/changes/registry.instrument/{scale.pk}").json()
    assert [(c["action"], c["source"]) for c in changes] == [
        ("update", ""),
        ("create", "scales.csv, row 3"),
    ]
    assert changes[1]["after"]["serial_number"] == "B-1" and changes[1]["user"] == "market"
    # the log is only shown to those who see the instrument
    other = Client()
    other.force_login(world.users["taxi"])
    assert other.get(f"/api/changes/registry.instrument/{scale.pk}").status_code == 404


def test_imported_certificates_and_standards_are_recorded(world, tmp_path) -> None:
    row = [
        "ZB-BULK-1",
        "calibration",
        world.city.uscc,
        world.market.uscc,
        world.scale.serial_number,
        "JJF 1847-2020",
        "2026-03-01",
        "2026-03-02",
        "",
        "calibrated",
        "",
    ]
    path = write_csv(tmp_path / "certs.csv", CERTIFICATE_HEADER, [row])
    importers.import_file(path, "certificates", world.users["zibo_lab"])
    cert = Certificate.objects.get(number="ZB-BULK-1")
    [entry] = history("registry.certificate", cert.pk)
    assert entry.after["number"] == "ZB-BULK-1" and entry.after["calibration_date"] == "2026-03-01"
    assert entry.source == "certs.csv, row 2" and entry.user == world.users["zibo_lab"]
    assert BulkCreation.objects.get().model == "registry.certificate"
