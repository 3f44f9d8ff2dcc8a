"""tce, CO2, the verified share, the conservative correction and uncertainty, by hand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from jiliang.energy._accounts import co2_monte_carlo
from jiliang.energy._engine import evaluate
from jiliang.energy._site import load_site

from .helpers import at, hourly, readings, site

INTERVAL = {"variety": "electricity", "kind": "interval", "unit": "kWh", "interval_minutes": 60}


def run(site_path: Path, readings_path: Path) -> dict[str, Any]:
    return evaluate(load_site(site_path.read_text("utf-8")), readings_path)


def test_tce_and_co2_electricity_and_gas(tmp_path: Path) -> None:
    # Electricity 24 x 10 kWh = 240 kWh; gas 24 x 5 m3 = 120 m3.
    # tce: 240 kWh x 0.1229 kgce/kWh (GB/T 2589-2020 当量值) = 29.496 kgce = 0.029496 tce;
    #      120 m3 x 1.2143 kgce/m3 = 145.716 kgce = 0.145716 tce; total 0.175212 tce.
    # CO2: 0.240 MWh x 0.5703 tCO2/MWh (MEE 2022, ETS) = 0.136872 t;
    #      gas 120 m3 x NCV 0.038931 GJ/m3 x CC 0.01532 tC/GJ x OF 0.99 x 44/12
    #      = 120 x 0.038931 x 0.01532 x 0.99 x 3.666667 = 0.259820... t (written below).
    gas_co2 = 120 * 0.038931 * 0.01532 * 0.99 * 44 / 12
    points = [
        {"id": "E", **INTERVAL},
        {"id": "G", "variety": "natural_gas", "kind": "interval", "unit": "m3",
         "interval_minutes": 60},
    ]  # fmt: skip
    factors = {"electricity": "grid-2022-ets", "natural_gas": "fuel-default-natural-gas"}
    rows = hourly("E", 1, [10.0] * 24) + hourly("G", 1, [5.0] * 24)
    doc = run(site(tmp_path, points, factors=factors), readings(tmp_path, rows))
    totals = doc["totals"]
    assert totals["by_variety"]["electricity"]["quantity"] == pytest.approx(240.0)
    assert totals["by_variety"]["electricity"]["tce"] == pytest.approx(0.029496)
    assert totals["by_variety"]["natural_gas"]["tce"] == pytest.approx(0.145716)
    assert totals["tce"] == pytest.approx(0.175212)
    assert totals["coefficients"]["electricity_basis"] == "calorific"
    assert totals["co2"]["by_variety"]["electricity"]["co2"] == pytest.approx(0.136872)
    assert totals["co2"]["value"] == pytest.approx(0.136872 + gas_co2)
    assert gas_co2 == pytest.approx(0.2598, abs=1e-4)
    assert totals["co2"]["unit"] == "t" and totals["co2"]["k"] == 2.0


def test_equivalent_value_basis(tmp_path: Path) -> None:
    # 240 kWh at the 2022 等价值 0.3007 kgce/kWh (data file, unconfirmed) = 72.168 kgce.
    rows = hourly("E", 1, [10.0] * 24)
    path = site(
        tmp_path,
        [{"id": "E", **INTERVAL}],
        coefficients={"edition": "GB/T 2589-2020", "electricity": "equivalent", "year": 2022},
    )
    doc = run(path, readings(tmp_path, rows))
    assert doc["totals"]["tce"] == pytest.approx(0.072168)
    assert doc["totals"]["by_variety"]["electricity"]["coefficient"]["confirmed"] is False


def test_uncertainty_of_a_two_meter_sum(tmp_path: Path) -> None:
    # Meter A: 24 x 1000/24 kWh = 1000 kWh, class 1.0 -> u = 1000 x 0.010 / sqrt(3) = 5.7735
    # Meter B: 2000 kWh, class 0.5 -> u = 2000 x 0.005 / sqrt(3) = 5.7735
    # u(AD) = sqrt(5.7735^2 + 5.7735^2) = 8.1650 kWh.
    # Factor 0.5703 tCO2/MWh with u 0.005703 (1 %): E = 3 MWh x 0.5703 = 1.7109 t;
    # u(E) = sqrt((0.0005703 x 8.1650)^2 + (1.7109 x 0.01)^2)
    #      = sqrt(0.0046565^2 + 0.017109^2) = 0.017731 t; U = 2u = 0.035463 t.
    u_ad = math.sqrt(2 * (10 / math.sqrt(3)) ** 2)
    assert u_ad == pytest.approx(8.1650, abs=1e-4)
    expected_u = math.sqrt((0.0005703 * u_ad) ** 2 + (1.7109 * 0.01) ** 2)
    assert expected_u == pytest.approx(0.017731, abs=1e-6)
    points = [
        {"id": "A", **INTERVAL, "accuracy_class": 1.0},
        {"id": "B", **INTERVAL, "accuracy_class": 0.5},
    ]
    factors = {"electricity": {"value": 0.5703, "unit": "tCO2/MWh", "u": 0.005703}}
    rows = hourly("A", 1, [1000 / 24] * 24) + hourly("B", 1, [2000 / 24] * 24)
    doc = run(site(tmp_path, points, factors=factors), readings(tmp_path, rows))
    co2 = doc["totals"]["co2"]
    assert co2["value"] == pytest.approx(1.7109)
    assert co2["u"] == pytest.approx(expected_u, rel=1e-9)
    assert co2["U"] == pytest.approx(2 * expected_u, rel=1e-9)
    # tce: u = 0.1229/1000 x 8.1650 = 0.0010035 tce
    assert doc["totals"]["tce_u"] == pytest.approx(0.1229e-3 * u_ad)
    # approach 2 (Monte Carlo) agrees with approach 1 for this linear model
    mc = co2_monte_carlo(doc, load_site((tmp_path / "site.yaml").read_text("utf-8")))
    assert mc["value"] == pytest.approx(1.7109, rel=1e-3)
    assert mc["u"] == pytest.approx(expected_u, rel=0.03)


def test_overdue_meter_flagged_share_and_conservative_correction(tmp_path: Path) -> None:
    # 24 x 10 kWh; the meter is verified until 12:00 and overdue from then:
    # 120 kWh measured by a verified meter, 120 by an overdue one -> share 0.5.
    # CO2 activity = 240 + 5 % x 120 = 246 kWh (correction, unconfirmed policy):
    # 0.246 MWh x 0.5703 = 0.1402938 t.
    legal = [
        {"from": "2025-06-01T00:00:00+08:00", "to": at(1, 12), "state": "verified"},
        {"from": at(1, 12), "state": "overdue"},
    ]  # fmt: skip
    point = {"id": "E", **INTERVAL, "legal": legal}
    rows = hourly("E", 1, [10.0] * 24)
    doc = run(
        site(tmp_path, [point], factors={"electricity": "grid-2022-ets"}),
        readings(tmp_path, rows),
    )
    entry = doc["points"]["E"]["days"][0]
    assert "meter_not_verified" in entry["flags"]
    assert entry["not_verified"] == pytest.approx(120.0)
    assert doc["totals"]["verified_share"] == pytest.approx(0.5)
    assert doc["totals"]["by_variety"]["electricity"]["verified_share"] == pytest.approx(0.5)
    co2 = doc["totals"]["co2"]["by_variety"]["electricity"]
    assert co2["correction_added"] == pytest.approx(6.0)
    assert co2["co2"] == pytest.approx(0.1402938)
    assert doc["totals"]["co2"]["correction"]["confirmed"] is False
