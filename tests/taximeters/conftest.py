"""Taximeter fixtures: a Beijing taxi company fleet, a second company, the 2013 Beijing tariff.

Tariff inputs (Beijing taxi fare in force since 2013-06-10, Beijing Municipal Commission of
Development and Reform): 13 yuan for the first 3 km, 2.30 yuan/km after, 20 % night
surcharge on the unit price, low-speed/waiting charge below 12 km/h of 1 km of fare per
5 minutes (0.46 yuan/min). The step distance and the distance constant k are meter settings.
"""

from __future__ import annotations

from typing import Any

import pytest

BEIJING_2013 = {
    "start_fare": "13.00",
    "start_distance_m": 3000,
    "fare_step_distance_m": 500,
    "price_per_km": "2.30",
    "waiting_price_per_min": "0.46",
    "night_surcharge_percent": "20.00",
    "crossover_speed_kmh": "12.00",
    "k_pulses_per_km": 1000,
}
# A later tariff (fuel surcharge folded into the unit price): only the inputs matter here.
NEW_TARIFF = {**BEIJING_2013, "price_per_km": "2.50", "waiting_price_per_min": "0.50"}


@pytest.fixture(autouse=True)
def _key_dir(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    for var in (
        "JILIANG_LOG_KEY",
        "JILIANG_LOG_KEY_NEXT",
        "JILIANG_WITNESS_KEY",
        "JILIANG_LOG_ORIGIN",
    ):
        monkeypatch.delenv(var, raising=False)


def make_fleet(owner: Any, count: int, prefix: str) -> list[Any]:
    """`count` taximeter instruments of catalogue item C06 with their TaxiMeter rows."""
    from jiliang.registry.models import CatalogueItem, Instrument
    from jiliang.taximeter import TariffParameters
    from jiliang.taximeters.models import TaxiMeter

    c06 = CatalogueItem.objects.get(number="C06")
    instruments = Instrument.objects.bulk_create(
        Instrument(
            owner=owner,
            name="出租汽车计价器 Taximeter",
            category=c06,
            use_area="trade",
            division_code=owner.division_code,
            serial_number=f"{prefix}{i:06d}",
            cpa_mark="CPA-2019-F123",
        )
        for i in range(1, count + 1)
    )
    params = TariffParameters.from_json_value(BEIJING_2013)
    return TaxiMeter.objects.bulk_create(
        TaxiMeter(
            instrument=inst,
            vehicle_plate=f"京B{prefix}{i:05d}",
            meter_serial=inst.serial_number,
            fleet=owner.uscc,
            pattern_approval="CPA-2019-F123",
            parameters=params.to_json_value(),
            parameter_hash=params.parameter_hash(),
        )
        for i, inst in enumerate(instruments, start=1)
    )


@pytest.fixture
def taxi_world(world: Any) -> Any:
    """The world plus a second Beijing taxi company (with a user) and 5 meters each."""
    from jiliang.accounts.models import User
    from jiliang.ledger.records import sync_certificates
    from jiliang.registry.models import Institution
    from tests.conftest import uscc

    sync_certificates()  # what the on_commit hook does outside the test transaction

    other = Institution.objects.create(
        name_zh="北京另一出租汽车公司",
        name_en="Another Beijing taxi company",
        kind="enterprise",
        division_code="110108",
        uscc=uscc("91110108MA0000008"),
    )
    world.users["taxi2"] = User.objects.create_user(
        "taxi2", password="pw-test-123", institution=other, role="owner"
    )
    world.other_taxi = other
    world.fleet = make_fleet(world.taxi, 5, "A")
    world.other_fleet = make_fleet(other, 5, "B")
    return world
