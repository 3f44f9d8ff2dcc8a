"""The stored due date (`Instrument.due_date`) is a cache of the derived one (ARCHITECTURE
rule 4): every write path keeps it equal to `services.due_date`, and `jiliang refresh-due`
rebuilds it. The dates come from the world fixture's certificates (tests/conftest.py): the
trade scale was verified on 2025-09-01 for one year (valid until 2026-08-31)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection
from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.registry import importers, services
from jiliang.registry.models import Certificate, Instrument
from tests.csvfiles import CERTIFICATE_HEADER, scale_certificate, write_csv


def stored(instrument: Instrument) -> dt.date | None:
    return Instrument.objects.values_list("due_date", flat=True).get(pk=instrument.pk)


def certify(world, number: str, day: dt.date, valid_until: dt.date, conclusion: str) -> None:
    Certificate.objects.create(
        number=number,
        kind="verification" if conclusion == "pass" else "notice",
        issuer=world.city,
        instrument=world.scale,
        regulation="JJG 539-2016",
        calibration_date=day,
        issued_on=day,
        valid_until=valid_until if conclusion == "pass" else None,
        conclusion=conclusion,
    )


def test_fixture_certificates_filled_the_cache(world) -> None:
    assert stored(world.scale) == dt.date(2026, 8, 31) == services.due_date(world.scale)


def test_a_new_passing_certificate_moves_the_due_date_a_failure_does_not(world) -> None:
    certify(world, "ZB-2026-0100", dt.date(2026, 3, 1), dt.date(2027, 2, 28), "fail")
    assert stored(world.scale) == dt.date(2026, 8, 31)
    certify(world, "ZB-2026-0101", dt.date(2026, 3, 2), dt.date(2027, 3, 1), "pass")
    assert stored(world.scale) == dt.date(2027, 3, 1) == services.due_date(world.scale)


def test_an_accepted_interval_moves_the_due_date(world) -> None:
    world.scale.interval_days = 180
    world.scale.save(update_fields=["interval_days"])
    assert stored(world.scale) == dt.date(2025, 9, 1) + dt.timedelta(days=180)
    world.scale.interval_days = None
    world.scale.save()
    assert stored(world.scale) == dt.date(2026, 8, 31)


def test_a_certificate_for_an_instrument_with_an_interval_uses_the_interval(world) -> None:
    """Interval instruments are recomputed in Python; the cache must still follow rule 4."""
    world.scale.interval_days = 180
    world.scale.save(update_fields=["interval_days"])
    certify(world, "ZB-2026-0103", dt.date(2026, 3, 2), dt.date(2027, 3, 1), "pass")
    assert stored(world.scale) == dt.date(2026, 3, 2) + dt.timedelta(days=180)
    assert services.refresh_due_dates([world.scale.pk, world.scale.pk]) == 0
    assert services.refresh_due_dates([]) == 0


def test_saving_a_stale_instance_keeps_the_right_due_date(world) -> None:
    stale = Instrument.objects.get(pk=world.scale.pk)
    certify(world, "ZB-2026-0102", dt.date(2026, 3, 2), dt.date(2027, 3, 1), "pass")
    stale.location = "摊位 7"
    stale.save()
    assert stored(world.scale) == dt.date(2027, 3, 1)


def test_imported_certificates_move_the_due_date(world, tmp_path: Path) -> None:
    row = scale_certificate(world, "ZB-2026-0001")
    path = write_csv(tmp_path / "c.csv", CERTIFICATE_HEADER, [row])
    from jiliang.registry.models import LabAccess, LabCustomer

    # the market gives the lab all its instruments, so the lab sees the scale without rows
    LabCustomer.objects.filter(lab=world.city, owner=world.market).update(all_instruments=True)
    LabAccess.objects.all().delete()  # the import must note its (issuer, instrument) itself
    relations = _stored_customers()
    importers.import_file(path, "certificates", world.users["zibo_lab"])
    assert stored(world.scale) == dt.date(2027, 1, 4) == services.due_date(world.scale)
    assert (world.city.pk, world.scale.pk) in _stored_access()
    assert _stored_customers() == relations  # an import creates no relation (issue 12)
    assert LabCustomer.objects.count() == 3


def test_refresh_due_rebuilds_a_damaged_cache(world) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_instrument SET due_date = NULL")
    result = CliRunner().invoke(app, ["refresh-due"])
    assert result.exit_code == 0, result.output
    for instrument in Instrument.objects.all():
        assert instrument.due_date == services.due_date(instrument), instrument
    assert stored(world.scale) == dt.date(2026, 8, 31)
    assert services.refresh_due_dates(None) == 0  # nothing left to change


def test_due_list_reads_the_cache(world) -> None:
    # Recall window and grace from data/registry/rules.yaml; the scale is due on 2026-08-31.
    entries = services.due_list(
        Instrument.objects.filter(pk=world.scale.pk), today=dt.date(2026, 8, 20)
    )
    assert [(e.instrument_id, e.due, e.state) for e in entries] == [
        (world.scale.pk, dt.date(2026, 8, 31), "due")
    ]


def _derived_access() -> set[tuple[int, int]]:
    return set(
        Certificate.objects.filter(issuer__isnull=False)
        .values_list("issuer_id", "instrument_id")
        .distinct()
    )


def _stored_access() -> set[tuple[int, int]]:
    from jiliang.registry.models import LabAccess

    return set(LabAccess.objects.values_list("lab_id", "instrument_id"))


def _stored_customers() -> set[tuple[int, int]]:
    from jiliang.registry.models import LabCustomer

    return set(LabCustomer.objects.values_list("lab_id", "owner_id"))


def test_worked_on_access_follows_certificates_and_owner_changes(world) -> None:
    """Every certificate notes that its issuer worked on the instrument; a new owner
    consented to nothing, so an instrument changing owner loses its access rows."""
    assert _stored_access() == _derived_access() != set()
    certify(world, "ZB-2026-0200", dt.date(2026, 3, 1), dt.date(2027, 2, 28), "pass")
    assert (world.city.pk, world.scale.pk) in _stored_access()
    # rows deleted behind the services' back come back from the certificates
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_labaccess")
    assert services.refresh_customers(None) == len(_derived_access()) == 3
    assert _stored_access() == _derived_access()
    assert services.refresh_customers(None) == 3  # idempotent
    relations = _stored_customers()
    scale = Instrument.objects.get(pk=world.scale.pk)
    scale.owner = world.taxi
    scale.save()
    assert (world.city.pk, world.scale.pk) not in _stored_access()
    assert _stored_customers() == relations  # relations are the owners' to end
