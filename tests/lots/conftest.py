"""Electricity meters of the Zibo market in service, with batch and installation data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import World

MAKER, MODEL, BATCH = "某电表厂", "DDZY-1", "B2018-07"


def add_meters(
    world: World,
    count: int,
    *,
    prefix: str,
    model: str = MODEL,
    batch: str = BATCH,
    installed: dt.date = dt.date(2018, 9, 1),
) -> None:
    from jiliang.lots.models import MeterRecord
    from jiliang.registry.models import CatalogueItem, Instrument

    c03 = CatalogueItem.objects.get(number="C03")
    meters = Instrument.objects.bulk_create(
        [
            Instrument(
                owner=world.market,
                name="单相智能电能表 Smart meter",
                category=c03,
                use_area="trade",
                division_code="370303",
                serial_number=f"{prefix}{i:05d}",
                maker=MAKER,
                model=model,
            )
            for i in range(count)
        ]
    )
    MeterRecord.objects.bulk_create(
        [
            MeterRecord(
                instrument=m,
                production_batch=batch,
                installed_on=installed + dt.timedelta(days=i % 90),
            )
            for i, m in enumerate(meters)
        ]
    )


@pytest.fixture
def meters(world: World) -> World:
    add_meters(world, 200, prefix="M")
    add_meters(world, 3, prefix="X", model="DDZY-2")  # another model: never in the lot
    add_meters(world, 10, prefix="S", batch="B2018-08")  # too few for a lot
    return world


@pytest.fixture
def lot(meters: World) -> Any:
    from jiliang.lots import services

    return services.form_lot(
        meters.users["market"],
        meters.market,
        maker=MAKER,
        model=MODEL,
        production_batch=BATCH,
        installation_year=2018,
    )
