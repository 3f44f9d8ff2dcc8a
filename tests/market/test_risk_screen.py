"""Risk screening on the registry: ranked lists explained term by term, and coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiliang.market import risk, services
from tests.market.conftest import Market


def test_ranked_premises_and_coverage(market: Market) -> None:
    today = dt.date(2026, 6, 1)
    result = risk.screen(
        market.world.users["reg_zibo"], region="3703", kind="market", category=None, today=today
    )
    ranked = {r["instrument"].serial_number: r["score"].total for r in result["instruments"]}
    # 6 markets in 370303 -> density 0.5*6 = 3; trade 10; C01 default drift 0.02*50 = 1;
    # SCALE-0002 never verified +30 -> 44; SCALE-0001 valid -> 14
    assert ranked == pytest.approx({"SCALE-0002": 44, "SCALE-0001": 14})
    assert result["premises"][0]["premises"].code == "ZB-M00"
    # owner: 44 + 0.25*14 = 47.5
    assert result["premises"][0]["score"].total == pytest.approx(47.5)
    reg = market.world.users["reg_zibo"]
    c = services.plan_campaign(
        reg,
        code="ZB-R-1",
        title="t",
        region="3703",
        premises_kind="market",
        starts_on=today,
        ends_on=today,
        premises_count=6,
        categories=["C01"],
    )
    c = services.draw_campaign(reg, c, seed="x")
    cov = risk.coverage(c, today)
    assert (cov["instruments"], cov["verified"], cov["due"]) == (2, 1, 1)


def test_screening_page_for_regulators_only(market: Market) -> None:
    client = Client()
    client.force_login(market.world.users["market"])
    assert client.get("/market/risk/?kind=market").status_code == 403
    client.force_login(market.world.users["reg_zibo"])
    page = client.get("/market/risk/?kind=market&region=3703")
    assert page.status_code == 200 and "SCALE-0002" in page.content.decode()
