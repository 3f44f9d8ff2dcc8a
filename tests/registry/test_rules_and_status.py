"""Rules from the data files and derived (never typed) status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jiliang.accounts.models import ChangeRecord
from jiliang.registry import rules, services
from jiliang.registry.models import Certificate, Instrument


def test_examination_certificate_is_valid_four_years() -> None:
    # 计量标准考核办法 Art. 15: four years from issue.
    assert rules.examination_valid_until(dt.date(2024, 3, 1)) == dt.date(2028, 2, 29)
    assert rules.examination_valid_until(dt.date(2023, 1, 10)) == dt.date(2027, 1, 9)


def test_reexamination_reminder_six_months_before_expiry() -> None:
    assert rules.reexamination_reminder(dt.date(2027, 1, 9)) == dt.date(2026, 7, 9)
    assert rules.reexamination_reminder(dt.date(2027, 8, 31)) == dt.date(2027, 2, 28)


def test_rule_before_any_version_is_an_error() -> None:
    with pytest.raises(LookupError):
        rules.rule("examination_certificate_validity", dt.date(1990, 1, 1))


def test_mandatory_status_is_derived_from_catalogue_and_use(world) -> None:
    status = services.mandatory_status(world.scale)
    assert status.mandatory and status.form == "periodic"
    world.scale.use_area = "other"
    assert not services.mandatory_status(world.scale).mandatory
    # weights used inside a standard are not in trade: not under mandatory verification
    assert not services.mandatory_status(world.e2_weight).mandatory
    no_category = Instrument(
        owner=world.market, name="x", division_code="370303", serial_number="x"
    )
    assert not services.mandatory_status(no_category).mandatory


def test_electricity_meter_form_is_initial_then_replace(world) -> None:
    from jiliang.registry.models import CatalogueItem

    meter = Instrument(
        owner=world.market,
        name="电能表",
        division_code="370303",
        serial_number="EM1",
        category=CatalogueItem.objects.get(number="C03"),
        use_area="trade",
    )
    assert services.mandatory_status(meter).form == "initial_replace"


def test_due_date_follows_last_passing_certificate(world) -> None:
    assert services.due_date(world.scale) == dt.date(2026, 8, 31)
    world.scale.interval_days = 180
    assert services.due_date(world.scale) == dt.date(2025, 9, 1) + dt.timedelta(days=180)


def test_due_list_states(world) -> None:
    qs = Instrument.objects.all()
    entries = {e.serial_number: e for e in services.due_list(qs, today=dt.date(2026, 8, 15))}
    assert entries["SCALE-0001"].state == "due"  # due 2026-08-31, inside the 30-day window
    assert entries["TAXI-0001"].state == "never"
    overdue = {e.serial_number: e for e in services.due_list(qs, today=dt.date(2026, 9, 5))}
    assert overdue["SCALE-0001"].state == "overdue"
    only_market = services.due_list(qs, today=dt.date(2026, 9, 5), owner_id=world.market.pk)
    assert {e.serial_number for e in only_market} == {"SCALE-0001"}
    region = services.due_list(qs, today=dt.date(2026, 9, 5), region="110000")
    assert {e.serial_number for e in region} == {"TAXI-0001"}


def test_certificates_are_immutable_and_changes_are_logged(world) -> None:
    cert = Certificate.objects.get(number="ZB-2025-0001")
    cert.conclusion = "fail"
    with pytest.raises(ValidationError, match="immutable"):
        cert.save()
    with pytest.raises(ValidationError, match="never deleted"):
        cert.delete()
    assert Certificate.objects.get(number="ZB-2025-0001").conclusion == "pass"
    world.scale.location = "摊位 12"
    world.scale.save()
    change = ChangeRecord.objects.filter(model="registry.instrument", object_id=str(world.scale.pk))
    assert change.first().action == "update"
    assert change.first().before["location"] == "" and change.first().after["location"] == "摊位 12"
    assert change.filter(action="create").exists()


def test_change_records_are_append_only(world) -> None:
    record = ChangeRecord.objects.first()
    record.action = "delete"
    with pytest.raises(ValueError, match="append-only"):
        record.save()
