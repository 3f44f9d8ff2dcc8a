"""Signed tariff packages, campaigns over simulated meters, broken-seal alerts, and refused
packages (replayed, forged, addressed to another meter) logged on the meter and in the log."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jiliang.ledger import services as ledger
from jiliang.ledger.models import LogEntry
from jiliang.taximeter import Decision, Scope, TariffPackage, TariffParameters, sign_package
from jiliang.taximeters import services
from jiliang.taximeters.models import CampaignTarget, SealAlert, TaxiMeter
from jiliang.trust import SignerKey, verify_inclusion

from .conftest import BEIJING_2013, NEW_TARIFF, make_fleet

NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def _package(w, version=None, scope_id=None, params=NEW_TARIFF, effective=NOW):
    return services.create_package(
        w.users["reg_bj"],
        scope_kind="fleet",
        scope_id=scope_id or w.taxi.uscc,
        parameters=params,
        effective_at=effective,
        version=version,
    )


def test_package_is_signed_versioned_and_logged(taxi_world) -> None:
    w = taxi_world
    first = _package(w)
    second = _package(w, params=BEIJING_2013)
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(services.TaximeterRuleError) as exc:
        _package(w, version=2)
    assert exc.value.field == "version"
    entry = LogEntry.objects.get(leaf_index=first.log_index)
    assert entry.record_type == "taximeter.tariff_package"
    # The logged bytes are exactly the text the regulator signed (minus its newline).
    assert first.signed_note.startswith(entry.record + "\n\n")
    # ... and an outsider can prove they are in the signed log.
    bundle = ledger.prove_entry(entry)
    verify_inclusion(
        entry.leaf_index,
        bundle.checkpoint.size,
        bytes(entry.leaf_hash),
        bundle.proof.hashes,
        bytes(bundle.checkpoint.root_hash),
    )


def test_only_regulators_create_packages_and_campaigns(taxi_world) -> None:
    w = taxi_world
    for name in ("taxi", "zibo_lab", "market"):
        with pytest.raises(services.NotAllowed):
            services.create_package(
                w.users[name],
                scope_kind="fleet",
                scope_id=w.taxi.uscc,
                parameters=NEW_TARIFF,
                effective_at=NOW,
            )
    package = _package(w)
    with pytest.raises(services.NotAllowed):
        services.start_campaign(w.users["taxi"], package)
    with pytest.raises(services.NotAllowed):  # another regulator cannot push it
        services.start_campaign(w.users["reg_zibo"], package)


def test_bad_parameters_name_the_field(taxi_world) -> None:
    bad = {**NEW_TARIFF, "price_per_km": "2.305"}
    with pytest.raises(services.TaximeterRuleError) as exc:
        _package(taxi_world, params=bad)
    assert exc.value.field == "parameters"
    assert "price_per_km" in exc.value.reason


def test_campaign_applies_and_reports_per_meter(taxi_world) -> None:
    w = taxi_world
    package = _package(w)
    campaign = services.start_campaign(w.users["reg_bj"], package)
    # Only the addressed fleet (the first company's 5 meters) is targeted.
    assert campaign.targets.count() == 5
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    counts = services.run_simulated_campaign(campaign, fleet, NOW)
    assert counts == {"pending": 0, "applied": 5, "rejected": 0, "alerts": 0}
    meter = TaxiMeter.objects.get(meter_serial="A000001")
    expected = TariffParameters.from_json_value(NEW_TARIFF).parameter_hash()
    assert (meter.authorised_version, meter.authorised_changes) == (1, 1)
    assert meter.parameter_hash == meter.reported_hash == expected
    assert meter.seal_intact
    events = LogEntry.objects.filter(record_type="taximeter.seal_event", subject="A000001")
    assert [json.loads(e.record)["body"]["event"] for e in events] == ["package_applied"]
    assert ledger.audit().ok


def test_future_package_stays_pending_until_effective(taxi_world) -> None:
    w = taxi_world
    package = _package(w, effective=NOW + dt.timedelta(days=1))
    campaign = services.start_campaign(w.users["reg_bj"], package)
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    counts = services.run_simulated_campaign(campaign, fleet, NOW)
    assert (counts["pending"], counts["applied"], counts["alerts"]) == (5, 0, 0)
    later = NOW + dt.timedelta(days=1, minutes=1)
    for meter in fleet.values():
        meter.tick(later)
    outcome = services.record_reports([m.report() for m in fleet.values()], later, campaign)
    assert (outcome.newly_applied, outcome.broken) == (5, [])
    assert services.campaign_counts(campaign)["applied"] == 5


def test_broken_seal_raises_an_alert_and_a_log_entry(taxi_world) -> None:
    w = taxi_world
    package = _package(w)
    campaign = services.start_campaign(w.users["reg_bj"], package)
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    services.run_simulated_campaign(campaign, fleet, NOW)
    # Someone changes a parameter outside the signed-package path (no event logged) ...
    tampered = fleet["A000002"]
    tampered.parameters = TariffParameters.from_json_value({**NEW_TARIFF, "k_pulses_per_km": 1100})
    outcome = services.record_reports([m.report() for m in fleet.values()], NOW, campaign)
    assert outcome.broken == ["A000002"]
    alert = SealAlert.objects.get()
    assert alert.meter.meter_serial == "A000002"
    assert "parameter hash" in alert.problems[0]
    entry = LogEntry.objects.get(leaf_index=alert.log_index)
    assert entry.record_type == "taximeter.seal_broken"
    assert not TaxiMeter.objects.get(meter_serial="A000002").seal_intact
    assert services.campaign_counts(campaign)["alerts"] == 1


def test_counter_beyond_the_authorised_changes_breaks_the_seal(taxi_world) -> None:
    w = taxi_world
    package = _package(w)
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    # A genuine package applied on the meter but never authorised for it by the platform
    # (pushed around the campaign): one change session more than the platform authorised.
    assert fleet["A000003"].offer(package.signed_note, NOW).decision is Decision.APPLIED
    outcome = services.record_reports([m.report() for m in fleet.values()], NOW)
    assert outcome.broken == ["A000003"]
    problems = SealAlert.objects.get().problems
    assert any("event counter 1 differs from the 0 authorised" in p for p in problems)


def _meter(w, serial="A000004"):
    return services.simulated_fleet(TaxiMeter.objects.filter(meter_serial=serial))[serial]


def _body(entry: LogEntry) -> dict:
    return json.loads(entry.record)["body"]


def test_replayed_old_package_is_refused_and_logged(taxi_world) -> None:
    w = taxi_world
    old = _package(w)
    new = _package(w, params=BEIJING_2013)
    meter = _meter(w)
    assert services.offer_to_meter(meter, old.signed_note, NOW).decision is Decision.APPLIED
    assert services.offer_to_meter(meter, new.signed_note, NOW).decision is Decision.APPLIED
    replay = services.offer_to_meter(meter, old.signed_note, NOW)
    assert replay.decision is Decision.REJECTED
    assert "not newer than 2" in replay.reasons[0]
    # The meter's event logger keeps the refusal, and so does the transparency log.
    assert meter.entries()[-1].kind == "rejected"
    assert meter.event_counter == 2  # two change sessions, the replay changed nothing
    last = LogEntry.objects.order_by("-leaf_index").first()
    assert _body(last)["event"] == "package_rejected"
    assert "replayed or stale" in _body(last)["reasons"][0]


def test_forged_signature_is_refused_and_logged(taxi_world) -> None:
    w = taxi_world
    real = _package(w)  # publishes the Beijing regulator key
    forger = SignerKey.generate(f"regulator.{w.regulator_bj.uscc}")
    core = TariffPackage(
        Scope("fleet", w.taxi.uscc), 99, NOW, TariffParameters.from_json_value(NEW_TARIFF)
    )
    meter = _meter(w)
    forged = services.offer_to_meter(meter, sign_package(core, forger), NOW)
    assert forged.decision is Decision.REJECTED
    assert forged.reasons[0].startswith("not authentic")
    # A genuine note whose text was altered (price changed) is refused as well.
    altered = real.signed_note.replace('"price_per_km":"2.50"', '"price_per_km":"9.90"')
    assert services.offer_to_meter(meter, altered, NOW).decision is Decision.REJECTED
    assert meter.parameter_hash == TariffParameters.from_json_value(BEIJING_2013).parameter_hash()
    bodies = [_body(e) for e in LogEntry.objects.filter(subject="A000004")]
    assert [b["event"] for b in bodies] == ["package_rejected", "package_rejected"]


def test_package_for_another_meter_is_refused_and_logged(taxi_world) -> None:
    w = taxi_world
    package = services.create_package(
        w.users["reg_bj"],
        scope_kind="meter",
        scope_id="A000005",
        parameters=NEW_TARIFF,
        effective_at=NOW,
    )
    meter = _meter(w, "A000004")
    outcome = services.offer_to_meter(meter, package.signed_note, NOW)
    assert outcome.decision is Decision.REJECTED
    assert "addressed to meter 'A000005'" in outcome.reasons[0]
    assert meter.entries()[-1].reasons == outcome.reasons
    assert _body(LogEntry.objects.order_by("-leaf_index").first())["event"] == "package_rejected"


def test_campaign_over_500_meters(taxi_world) -> None:
    w = taxi_world
    make_fleet(w.taxi, 495, "C")
    earlier = services.create_package(
        w.users["reg_bj"],
        scope_kind="meter",
        scope_id="C000007",
        parameters=NEW_TARIFF,
        effective_at=NOW,
    )
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    fleet["C000007"].log_capacity = 1  # one change session fills this meter's event log
    first = services.start_campaign(w.users["reg_bj"], earlier)
    assert services.run_simulated_campaign(first, fleet, NOW)["applied"] == 1
    fleet["C000007"].offer("garbage", NOW)  # refusals are kept apart and never fill it
    package = _package(w)
    campaign = services.start_campaign(w.users["reg_bj"], package)
    assert campaign.targets.count() == 500
    counts = services.run_simulated_campaign(campaign, fleet, NOW)
    assert counts == {"pending": 0, "applied": 499, "rejected": 1, "alerts": 0}
    target = CampaignTarget.objects.get(campaign=campaign, status="rejected")
    assert target.meter.meter_serial == "C000007"
    assert "event log full" in target.reasons
    assert LogEntry.objects.filter(record_type="taximeter.seal_event").count() == 501


def test_register_meter_rules(taxi_world) -> None:
    w = taxi_world
    meter = services.register_meter(
        w.users["taxi"],
        w.taxi_meter,
        vehicle_plate="京B12345",
        meter_serial="TAXI-0001",
        parameters=BEIJING_2013,
    )
    assert meter.fleet == w.taxi.uscc
    assert meter.parameter_hash == TariffParameters.from_json_value(BEIJING_2013).parameter_hash()
    with pytest.raises(services.NotAllowed):
        services.register_meter(
            w.users["taxi2"],
            w.taxi_meter,
            vehicle_plate="京B54321",
            meter_serial="TAXI-0002",
            parameters=BEIJING_2013,
        )
    with pytest.raises(services.TaximeterRuleError) as exc:
        services.register_meter(
            w.users["market"],
            w.scale,
            vehicle_plate="京B00000",
            meter_serial="SCALE",
            parameters=BEIJING_2013,
        )
    assert exc.value.field == "instrument"


def test_seal_entries_stay_verified_after_the_meter_changes_owner(taxi_world) -> None:
    """A seal event records its meter, not the owner of the day: selling the taxi to another
    company is not tampering, so `ledger verify` reports nothing (the column is not trusted:
    readers ask the registry who may see the meter)."""
    from jiliang.ledger import services as ledger

    w = taxi_world
    package = _package(w)
    campaign = services.start_campaign(w.users["reg_bj"], package)
    fleet = services.simulated_fleet(TaxiMeter.objects.filter(fleet=w.taxi.uscc))
    services.run_simulated_campaign(campaign, fleet, NOW)
    tampered = fleet["A000002"]
    tampered.parameters = TariffParameters.from_json_value({**NEW_TARIFF, "k_pulses_per_km": 1100})
    services.record_reports([m.report() for m in fleet.values()], NOW, campaign)
    meter = TaxiMeter.objects.select_related("instrument").get(meter_serial="A000002")
    meter.instrument.owner = w.other_taxi
    meter.instrument.save()
    report = ledger.audit()
    assert [(f.field, f.logged, f.current) for f in report.findings] == []
    assert report.ok
