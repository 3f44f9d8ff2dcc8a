"""Premises of the shared world: the Zibo market (its verified scale and two more), a second
market, a fuel station elsewhere; two more inspectors at the Zibo regulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import World


@dataclass
class Market:
    world: World
    markets: list[Any]
    overdue_scale: Any
    inspectors: list[Any]


@pytest.fixture
def market(world: World, tmp_path: Any, settings: Any) -> Market:
    from jiliang.accounts.models import User
    from jiliang.market.models import Premises
    from jiliang.registry.models import Instrument

    settings.DATA_DIR = tmp_path
    overdue = Instrument.objects.create(
        owner=world.market,
        name="电子计价秤 Retail scale",
        category=world.scale.category,
        use_area="trade",
        division_code="370303",
        serial_number="SCALE-0002",
        unit="kg",
        mpe=0.01,
    )
    markets = []
    for i in range(6):
        p = Premises.objects.create(
            code=f"ZB-M{i:02d}",
            name=f"淄博第{i}农贸市场",
            kind="market",
            owner=world.market,
            division_code="370303",
        )
        markets.append(p)
    markets[0].instruments.add(world.scale, overdue)
    Premises.objects.create(
        code="BJ-M01", name="北京市场", kind="market", owner=world.taxi, division_code="110105"
    )
    inspectors = [world.users["reg_zibo"]]
    for name in ("insp_a", "insp_b"):
        inspectors.append(
            User.objects.create_user(
                name, password="pw-test-123", institution=world.regulator_zibo, role="regulator"
            )
        )
    return Market(world, markets, overdue, inspectors)
