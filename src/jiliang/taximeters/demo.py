"""Demo content of the taximeters app: the demo taxi company's C06 instruments registered as
networked meters, one tariff package signed by the Zibo regulator and pushed to the fleet of
simulated meters, one meter tampered with (a broken-seal alert). Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiliang.accounts.models import User
from jiliang.registry.models import Certificate, Instrument
from jiliang.taximeter import TariffParameters
from jiliang.taximeters import services
from jiliang.taximeters.models import TaxiMeter

# Demo values only (shaped like a city tariff: start fare for 3 km, unit price per km);
# a real tariff comes from the regulator's package, never from code.
DEMO_TARIFF = {
    "start_fare": "8.00",
    "start_distance_m": 3000,
    "fare_step_distance_m": 500,
    "price_per_km": "1.50",
    "waiting_price_per_min": "0.30",
    "night_surcharge_percent": "30.00",
    "crossover_speed_kmh": "12.00",
    "k_pulses_per_km": 1000,
}
DEMO_NEW_TARIFF = {**DEMO_TARIFF, "price_per_km": "1.70"}


def build_taximeters_demo(summary_or_today: Any = None) -> dict[str, int]:
    """Register the demo fleet and run one campaign; return counts (nothing if done)."""
    today = getattr(summary_or_today, "today", summary_or_today) or dt.date.today()
    if TaxiMeter.objects.exists():
        return {"meters": TaxiMeter.objects.count(), "created": 0}
    regulator = User.objects.filter(username="regulator_zibo").first()
    instruments = list(
        Instrument.objects.filter(category__number="C06").select_related("owner").order_by("pk")
    )
    if regulator is None or not instruments:
        return {"meters": 0, "created": 0}
    params = TariffParameters.from_json_value(DEMO_TARIFF)
    latest = {
        c.instrument_id: c
        for c in Certificate.objects.filter(instrument__in=instruments).order_by("issued_on")
    }
    TaxiMeter.objects.bulk_create(
        TaxiMeter(
            instrument=inst,
            vehicle_plate=f"鲁C·T{i:04d}",
            meter_serial=inst.serial_number,
            fleet=inst.owner.uscc,
            pattern_approval=inst.cpa_mark,
            verification_certificate=latest.get(inst.pk),
            parameters=params.to_json_value(),
            parameter_hash=params.parameter_hash(),
        )
        for i, inst in enumerate(instruments, start=1)
    )
    effective = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    package = services.create_package(
        regulator,
        scope_kind="fleet",
        scope_id=instruments[0].owner.uscc,
        parameters=DEMO_NEW_TARIFF,
        effective_at=effective,
    )
    campaign = services.start_campaign(regulator, package)
    fleet = services.simulated_fleet(TaxiMeter.objects.all())
    tampered = next(iter(fleet.values()))
    now = effective + dt.timedelta(hours=8)
    services.record_outcomes(
        campaign, {s: m.offer(package.signed_note, now) for s, m in fleet.items()}, now
    )
    tampered.parameters = TariffParameters.from_json_value(
        {**DEMO_NEW_TARIFF, "k_pulses_per_km": 990}
    )
    services.record_reports([m.report() for m in fleet.values()], now, campaign)
    return {"meters": len(fleet), "created": len(fleet), "campaign": campaign.pk}
