"""A group of four instruments of the Zibo institute with a calibration history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import World

REGULATION = "JJG 1036-2022"
# 2019 NCSL International tutorial on RP-1 Method A3: 20 as-found results at 365 days.
NCSL_RESULTS = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0]


def make_group(world: World, days: list[list[int]], results: list[list[int]]) -> list[Any]:
    """Instruments of one maker/model; instrument i is calibrated at the cumulative `days[i]`
    offsets from 2018-01-01 and each later certificate's verdict is results[i][j]."""
    from jiliang.registry.models import Certificate, Instrument

    instruments = []
    for i, (gaps, verdicts) in enumerate(zip(days, results, strict=True)):
        inst = Instrument.objects.create(
            owner=world.city,
            name="电子天平 Balance",
            division_code="370300",
            serial_number=f"BAL-{i:03d}",
            maker="某衡器厂",
            model="FA-2004",
            interval_days=365,
        )
        day = dt.date(2018, 1, 1)
        Certificate.objects.create(
            number=f"ZB-BAL-{i:03d}-00",
            kind="verification",
            issuer=world.city,
            instrument=inst,
            regulation=REGULATION,
            calibration_date=day,
            issued_on=day,
            conclusion="pass",
        )
        for j, (gap, ok) in enumerate(zip(gaps, verdicts, strict=True), start=1):
            day = day + dt.timedelta(days=gap)
            Certificate.objects.create(
                number=f"ZB-BAL-{i:03d}-{j:02d}",
                kind="verification",
                issuer=world.city,
                instrument=inst,
                regulation=REGULATION,
                calibration_date=day,
                issued_on=day,
                conclusion="pass" if ok else "fail",
            )
        instruments.append(inst)
    return instruments


@pytest.fixture
def ncsl_group(world: World) -> list[Any]:
    """The tutorial's 20 results as four instruments × five recalibrations, 365 days apart."""
    chunks = [NCSL_RESULTS[k : k + 5] for k in range(0, 20, 5)]
    return make_group(world, [[365] * 5 for _ in chunks], chunks)
