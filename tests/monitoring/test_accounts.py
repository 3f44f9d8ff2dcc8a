"""Accounts of the test site through the core, with the registry's legal states: numbers
computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests.monitoring.readings import one_day, send
from tests.monitoring.site import Site

DAY = dt.date(2026, 5, 1)


def test_legal_intervals_follow_the_certificates(site: Site) -> None:
    from jiliang.monitoring.legal import intervals_for, state_on

    main = intervals_for(site.meters["main"])
    line = intervals_for(site.meters["line"])
    # main: pass 2025-06-01 valid until 2027-05-31 → verified on 2026-05-01
    assert state_on(main, DAY).state == "verified"
    assert state_on(main, dt.date(2025, 5, 31)).state == "overdue"  # before its first one
    # line: valid until 2026-04-30 → overdue from that day on
    assert state_on(line, dt.date(2026, 4, 29)).state == "verified"
    assert state_on(line, dt.date(2026, 4, 30)).state == "overdue"
    assert state_on(intervals_for(None), DAY).state == "unregistered"


def test_failed_certificate_gives_failed_until_the_next_pass(site: Site) -> None:
    from jiliang.monitoring.legal import intervals_for, state_on
    from jiliang.registry.models import Certificate

    meter = site.meters["main"]
    Certificate.objects.create(
        number="NM-2026-FAIL",
        kind="verification",
        instrument=meter,
        regulation="JJG 596-2012",
        calibration_date=dt.date(2026, 6, 1),
        issued_on=dt.date(2026, 6, 1),
        valid_until=None,
        conclusion="fail",
    )
    history = intervals_for(meter)
    assert state_on(history, dt.date(2026, 5, 31)).state == "verified"
    assert state_on(history, dt.date(2026, 6, 1)).state == "failed"
    assert state_on(history, dt.date(2026, 6, 1)).certificate == "NM-2026-FAIL"


def test_daily_energy_tce_co2_and_verified_share_by_hand(site: Site) -> None:
    from jiliang.monitoring.accounting import evaluate_user

    send(site.users["alu"], "day-1", one_day(DAY))
    doc = evaluate_user(site.energy_user, DAY, DAY)
    # E-MAIN: 99990.0 → 9.2 across the rollover at 99999.9 (modulus 100000.0):
    # (100000.0 - 99990.0) + 9.2 = 19.2 register units × CT·PT 100 = 1920 kWh
    day = doc["points"]["E-MAIN"]["days"][0]
    assert day["quantity"] == pytest.approx(1920.0)
    assert "rollover" in day["flags"]
    assert doc["points"]["GAS"]["days"][0]["quantity"] == pytest.approx(960.0)  # 96 × 10 m3
    assert "E-LINE" not in doc["points"]  # a sub-meter: not in the totals
    totals = doc["totals"]
    # tce: 1920 kWh × 0.1229 kgce/kWh (GB/T 2589-2020 当量值) = 235.968 kgce
    #      960 m3 × 1.2143 kgce/m3 = 1165.728 kgce; sum 1401.696 kgce = 1.401696 tce
    assert totals["tce"] == pytest.approx(1.401696, rel=1e-9)
    assert totals["coefficients"]["electricity_basis"] == "calorific"
    # verified share by kgce: only E-MAIN's meter is verified: 235.968 / 1401.696
    assert totals["verified_share"] == pytest.approx(235.968 / 1401.696, rel=1e-9)
    co2 = totals["co2"]["by_variety"]
    # electricity: 1920 kWh × 0.5703 tCO2/MWh = 1.094976 t (verified: no correction)
    assert co2["electricity"]["co2"] == pytest.approx(1.094976, rel=1e-9)
    # gas from no registered meter: +5 % conservative correction: 960 × 1.05 = 1008 m3
    # × 0.038931 GJ/m3 × 0.01532 tC/GJ × 0.99 × 44/12 = 2.1724... t
    gas = 1008 * 0.038931 * 0.01532 * 0.99 * 44 / 12
    assert co2["natural_gas"]["correction_added"] == pytest.approx(48.0)
    assert co2["natural_gas"]["co2"] == pytest.approx(gas, rel=1e-9)
    # uncertainty of electricity from class 0.5S: u = 1920 × 0.5 % / √3 kWh, through the
    # factor, combined with the factor's own (its u_rel from the factor set)
    u_meter = 1920 * 0.005 / math.sqrt(3) * 0.5703 / 1000
    u_factor = 1.094976 * co2["electricity"]["factor_u_rel"]
    assert co2["electricity"]["u"] == pytest.approx(math.hypot(u_meter, u_factor), rel=1e-9)


def test_overdue_meter_is_flagged_not_verified(site: Site) -> None:
    from jiliang.monitoring.accounting import evaluate_user
    from jiliang.monitoring.models import MeasurementPoint

    # E-MAIN now measured by the overdue meter (line: expired 2026-04-30)
    MeasurementPoint.objects.filter(code="E-MAIN").update(instrument=site.meters["line"])
    send(site.users["alu"], "day-1", one_day(DAY))
    doc = evaluate_user(site.energy_user, DAY, DAY)
    day = doc["points"]["E-MAIN"]["days"][0]
    assert "meter_not_verified" in day["flags"]
    assert day["not_verified"] == pytest.approx(1920.0)
    assert doc["totals"]["verified_share"] == pytest.approx(0.0)
