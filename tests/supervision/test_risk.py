"""Risk score term by term against hand computation from data/supervision/risk.yaml:
overdue 0.1/day (cap 365), never verified 30, 15 per failure, use area (trade 10,
safety 20), drift rate × 50 (C12: 0.2; default 0.02), 0.5 per premises (cap 40)."""

from __future__ import annotations

import pytest

from jiliang.supervision import score_instrument, score_owner


def test_overdue_trade_scale() -> None:
    s = score_instrument(
        days_overdue=100,
        never_verified=False,
        failures=1,
        use_area="trade",
        category="C01",
        premises_density=6,
    )
    points = {t.name: t.points for t in s.terms}
    # 0.1*100 = 10; 0; 15*1 = 15; trade 10; 0.02*50 = 1; 0.5*6 = 3 -> 39
    assert points == pytest.approx(
        {
            "overdue": 10,
            "never_verified": 0,
            "failures": 15,
            "use_area": 10,
            "drift": 1,
            "density": 3,
        }
    )
    assert s.total == pytest.approx(39)


def test_unverified_gas_alarm_in_a_dense_district() -> None:
    s = score_instrument(
        days_overdue=0,
        never_verified=True,
        failures=0,
        use_area="safety",
        category="C12",
        premises_density=100,
    )
    # 0 + 30 + 0 + 20 + 0.2*50 = 10 + 0.5*40 (capped) = 20 -> 80
    assert s.total == pytest.approx(80)
    assert all(t.rule for t in s.terms)  # every term says why


def test_overdue_is_capped_and_owner_score() -> None:
    s = score_instrument(
        days_overdue=1000,
        never_verified=False,
        failures=0,
        use_area="other",
        category="X",
        premises_density=0,
    )
    assert s.total == pytest.approx(36.5 + 1)  # 0.1*365 + 0.02*50
    owner = score_owner([s, s, s])
    assert owner.total == pytest.approx(37.5 + 0.25 * 75)  # highest + 0.25 × the others
