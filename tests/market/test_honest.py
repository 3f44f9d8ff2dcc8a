"""Honest measurement: a station's mean nozzle error and trend, complaints -> termination,
model-unit scoring (rules as data: data/supervision/honest.yaml)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jiliang.market import honest
from jiliang.market.models import Complaint, ModelUnit, NozzleResult, Premises
from tests.market.conftest import Market


def test_station_mean_error_trend_and_flag(market: Market) -> None:
    from jiliang.registry.models import Instrument

    station = Premises.objects.create(
        code="F1",
        name="加油站",
        kind="fuel_station",
        owner=market.world.market,
        division_code="370303",
    )
    nozzles = [
        Instrument.objects.create(
            owner=market.world.market, name="加油机", division_code="370303", serial_number=f"N{i}"
        )
        for i in range(4)
    ]
    data = {2024: (0.02, -0.02, 0.04, -0.04), 2025: (-0.06, -0.08, -0.02, -0.04)}
    for year, errors in data.items():
        for nozzle, e in zip(nozzles, errors, strict=True):
            NozzleResult.objects.create(
                instrument=nozzle, premises=station, tested_on=dt.date(year, 3, 1), error_percent=e
            )
    r = honest.station_errors(station)
    # latest per nozzle: 2025 values, mean (-0.06 - 0.08 - 0.02 - 0.04)/4 = -0.05 ... flag
    # needs mean < -0.05 (data): exactly -0.05 is not flagged
    assert r["mean"] == pytest.approx(-0.05)
    assert r["flagged"] is False
    # yearly means 0.0 (2024) and -0.05 (2025): slope -0.05 % per year
    assert r["trend"] == pytest.approx(-0.05)
    NozzleResult.objects.create(
        instrument=nozzles[0], premises=station, tested_on=dt.date(2025, 9, 1), error_percent=-0.10
    )
    # latest: -0.10, -0.08, -0.02, -0.04 -> mean -0.06 < -0.05, all negative -> flagged
    r = honest.station_errors(station)
    assert r["mean"] == pytest.approx(-0.06) and r["flagged"] is True


def test_second_justified_complaint_flags_termination(market: Market) -> None:
    stall = market.markets[1]
    first = Complaint.objects.create(premises=stall, text="少称")
    assert honest.judge_complaint(first, True).contract_terminated is False
    unfounded = Complaint.objects.create(premises=stall, text="?")
    assert honest.judge_complaint(unfounded, False).contract_terminated is False
    second = Complaint.objects.create(premises=stall, text="又少称")
    assert honest.judge_complaint(second, True).contract_terminated is True


def test_model_unit_scoring(market: Market) -> None:
    unit = ModelUnit.objects.create(premises=market.markets[0], committed_on=dt.date(2026, 1, 1))
    # 10 + 25 + 18 + 16 + 15 = 84 >= 80 (pass mark) -> listed
    listed = honest.evaluate_unit(
        unit,
        {"commitment": 10, "instruments": 25, "management": 18, "prepack": 16, "complaints": 15},
        dt.date(2026, 3, 1),
    )
    assert (listed.total, listed.state) == (84, "listed")
    # 10 + 20 + 15 + 15 + 10 = 70 < 80 -> rejected
    assert honest.score(
        {"commitment": 10, "instruments": 20, "management": 15, "prepack": 15, "complaints": 10}
    ) == (70, False)
    with pytest.raises(ValidationError):
        honest.score({"instruments": 31})  # above the item's maximum of 30
    with pytest.raises(ValidationError):
        honest.score({"bribes": 5})
    with pytest.raises(ValidationError):
        honest.remove_unit(listed, " ")
    assert honest.remove_unit(listed, "复查发现超期计价秤").state == "removed"


def test_honest_page_judges_and_evaluates(market: Market) -> None:
    from django.test import Client

    stall = market.markets[2]
    complaints = [Complaint.objects.create(premises=stall, text=f"少称 {i}") for i in range(2)]
    unit = ModelUnit.objects.create(premises=market.markets[0], committed_on=dt.date(2026, 1, 1))
    owner = Client()
    owner.force_login(market.world.users["market"])
    assert owner.get("/market/honest/").status_code == 403
    reg = Client()
    reg.force_login(market.world.users["reg_zibo"])
    assert reg.get("/market/honest/").status_code == 200
    for c in complaints:
        assert (
            reg.post(
                "/market/honest/", {"action": "judge", "complaint": c.pk, "justified": "yes"}
            ).status_code
            == 302
        )
    stall.refresh_from_db()
    assert stall.contract_terminated is True
    scores = {
        "score_commitment": 10,
        "score_instruments": 30,
        "score_management": 20,
        "score_prepack": 20,
        "score_complaints": 20,
    }
    assert (
        reg.post("/market/honest/", {"action": "evaluate", "unit": unit.pk, **scores}).status_code
        == 302
    )
    unit.refresh_from_db()
    assert (unit.state, unit.total) == ("listed", 100)
    # another region's regulator cannot touch them
    bj = Client()
    bj.force_login(market.world.users["reg_bj"])
    assert (
        bj.post("/market/honest/", {"action": "remove", "unit": unit.pk, "reason": "x"}).status_code
        == 404
    )
    assert "淄博第0农贸市场" in Client().get("/market/public/model-units/").content.decode()
