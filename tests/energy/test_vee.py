"""VEE and daily energy against hand computation (each number worked out in the comments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiliang.energy._engine import evaluate
from jiliang.energy._site import load_site

from .helpers import at, hourly, readings, site


def run(site_path: Path, readings_path: Path) -> dict[str, Any]:
    return evaluate(load_site(site_path.read_text("utf-8")), readings_path)


def day(doc: dict[str, Any], point: str, index: int = 0) -> dict[str, Any]:
    entry: dict[str, Any] = doc["points"][point]["days"][index]
    return entry


REGISTER = {"variety": "electricity", "kind": "register", "unit": "kWh", "interval_minutes": 60}
INTERVAL = {"variety": "electricity", "kind": "interval", "unit": "kWh", "interval_minutes": 60}


def test_register_across_rollover_times_multiplier(tmp_path: Path) -> None:
    # Register shows at most 99999.9 and wraps to 0.0: 99990.0 -> 5.0 is
    # (99999.9 - 99990.0) + 0.1 + 5.0 = 15.0 register units.
    # Then +1.0 an hour from 01:00 (5.0) to 24:00 (28.0): 23.0 units.
    # Day = (15.0 + 23.0) x CT/PT multiplier 40 = 1520.0 kWh.
    values = [99990.0] + [5.0 + h for h in range(24)]  # 00:00 .. 24:00 (next midnight)
    rows = hourly("E1", 1, values)
    point = {"id": "E1", **REGISTER, "multiplier": 40, "rollover": 99999.9}
    doc = run(site(tmp_path, [point]), readings(tmp_path, rows))
    got = day(doc, "E1")
    assert got["quantity"] == pytest.approx(1520.0, abs=1e-6)
    assert "rollover" in got["flags"]
    assert got["completeness"] == 1.0  # 24 readings 00:00 .. 23:00 of 24 periods
    assert got["unit"] == "kWh"


def test_midnight_gap_interpolated_register_splits_by_time(tmp_path: Path) -> None:
    # Day 1: 00:00 .. 22:00 read 100 + 2h (22:00 = 144); 23:00 and 00:00 missing;
    # day 2: 01:00 = 150, then +2 an hour to day 3 00:00 = 196.
    # Register at midnight, interpolated between 22:00 (144) and 01:00 (150):
    # 144 + (150 - 144) x 2/3 = 148.  Day 1 = 148 - 100 = 48; day 2 = 196 - 148 = 48.
    # The step 22:00 -> 01:00 (6 kWh) is split 4 (day 1) + 2 (day 2): those are estimated.
    rows = hourly("E1", 1, [100.0 + 2 * h for h in range(23)])
    rows += [("E1", at(2, h), 150.0 + 2 * (h - 1)) for h in range(1, 25)]
    point = {"id": "E1", **REGISTER}
    doc = run(site(tmp_path, [point], to="2026-01-02"), readings(tmp_path, rows))
    first, second = day(doc, "E1", 0), day(doc, "E1", 1)
    assert first["quantity"] == pytest.approx(48.0)
    assert second["quantity"] == pytest.approx(48.0)
    assert first["estimated"] == pytest.approx(4.0)
    assert second["estimated"] == pytest.approx(2.0)
    assert "estimated" in first["flags"] and "estimated" in second["flags"]
    # 23 of 24 hourly periods each day: 0.958 >= 0.90, so not incomplete
    assert first["completeness"] == pytest.approx(23 / 24)
    assert "incomplete" not in first["flags"]


def test_duplicates_counted_once_last_delivery_wins(tmp_path: Path) -> None:
    # 24 hourly interval values of 1.0 kWh; 05:00 delivered again with 1.0 (duplicate),
    # 06:00 delivered again with 3.0 (conflict: the later row wins).
    # Day = 22 x 1.0 + 1.0 (05:00) + 3.0 (06:00) = 26.0 kWh.
    rows = [*hourly("M1", 1, [1.0] * 24), ("M1", at(1, 5), 1.0), ("M1", at(1, 6), 3.0)]
    doc = run(site(tmp_path, [{"id": "M1", **INTERVAL}]), readings(tmp_path, rows))
    got = day(doc, "M1")
    assert got["quantity"] == pytest.approx(26.0)
    assert {"duplicate", "duplicate_conflict"} <= set(got["flags"])
    assert got["completeness"] == 1.0


REPLACED = [1220.0, 1225.0, 1230.0]  # old meter 00:00, 01:00, 02:00
NEW = [2.0 + 2 * (h - 3) for h in range(3, 25)]  # new meter 03:00 = 2.0 .. 24:00 = 44.0


def test_replaced_meter_with_event(tmp_path: Path) -> None:
    # Old meter 1220.0 -> 1230.0 (10.0), its final reading at the exchange 1234.5 (+4.5);
    # new meter from 0.0 to 2.0 at 03:00 (+2.0), then to 44.0 at midnight (+42.0).
    # Day = 10.0 + 4.5 + 2.0 + 42.0 = 58.5 kWh.
    rows = hourly("E1", 1, REPLACED) + [
        ("E1", at(1, h), v) for h, v in zip(range(3, 25), NEW, strict=True)
    ]
    event = {"time": at(1, 2, 30), "old_final": 1234.5, "new_initial": 0.0}
    point = {"id": "E1", **REGISTER, "replacements": [event]}
    doc = run(site(tmp_path, [point]), readings(tmp_path, rows))
    got = day(doc, "E1")
    assert got["quantity"] == pytest.approx(58.5)
    assert "meter_replaced" in got["flags"]


def test_restart_without_event_is_flagged_and_unknown(tmp_path: Path) -> None:
    # Same readings, no exchange given: the step 1230.0 -> 2.0 is a restart that is not a
    # rollover (no rollover declared); its energy is unknown and counts 0:
    # Day = 10.0 + 42.0 = 52.0 kWh, flagged register_restart.
    rows = hourly("E1", 1, REPLACED) + [
        ("E1", at(1, h), v) for h, v in zip(range(3, 25), NEW, strict=True)
    ]
    doc = run(site(tmp_path, [{"id": "E1", **REGISTER}]), readings(tmp_path, rows))
    got = day(doc, "E1")
    assert got["quantity"] == pytest.approx(52.0)
    assert "register_restart" in got["flags"]


def test_timestamps_snapped_within_a_minute_off_grid_beyond(tmp_path: Path) -> None:
    # 15-min interval point, 96 values of 0.5 kWh, but 00:15 arrives at 00:15:40 (snapped)
    # and 00:30 arrives at 00:32:00 (2 min off: not used, its period is a gap filled from the
    # profile: the only other data of 00:30 is none, so the mean of all values, 0.5).
    # Day = 95 x 0.5 + 0.5 (estimate) = 48.0 kWh; completeness 95/96.
    rows = [("Q", at(1, 0, 15 * k), 0.5) for k in range(96) if k not in (1, 2)]
    rows += [("Q", at(1, 0, 15, 40), 0.5), ("Q", at(1, 0, 32), 0.5)]
    point = {"id": "Q", **INTERVAL, "interval_minutes": 15}
    doc = run(site(tmp_path, [point]), readings(tmp_path, rows))
    got = day(doc, "Q")
    assert {"time_snapped", "time_off_grid", "estimated"} <= set(got["flags"])
    assert got["quantity"] == pytest.approx(48.0)
    assert got["estimated"] == pytest.approx(0.5)
    assert got["completeness"] == pytest.approx(95 / 96)


def test_interval_gap_filled_from_profile_and_negative_rejected(tmp_path: Path) -> None:
    # Day 1: hourly values equal to the hour number (0, 1, ..., 23): 276 kWh.
    # Day 2: the same but 10:00 and 11:00 missing and 12:00 negative (-5, rejected).
    # Profile of hour h = h (day 1 and day 2 agree), so the estimates are 10 + 11 + 12 = 33
    # and day 2 = 276 - 33 + 33 = 276 kWh with 21 of 24 periods valid (0.875 < 0.90).
    rows = hourly("M", 1, [float(h) for h in range(24)])
    rows += [("M", at(2, h), float(h) if h != 12 else -5.0) for h in range(24) if h not in (10, 11)]
    doc = run(site(tmp_path, [{"id": "M", **INTERVAL}], to="2026-01-02"), readings(tmp_path, rows))
    first, second = day(doc, "M", 0), day(doc, "M", 1)
    assert first["quantity"] == pytest.approx(276.0)
    assert second["quantity"] == pytest.approx(276.0)
    assert second["estimated"] == pytest.approx(33.0)
    assert {"negative", "estimated", "incomplete"} <= set(second["flags"])
    assert second["completeness"] == pytest.approx(21 / 24)


def test_spike_flagged_against_own_history(tmp_path: Path) -> None:
    # 4 days of 1.0 kWh an hour (96 values: enough history), one hour of 50.0 on day 4:
    # 50 > 10 x median 1.0, so a spike (kept, flagged).
    rows = []
    for d in range(1, 5):
        rows += hourly("M", d, [50.0 if (d == 4 and h == 3) else 1.0 for h in range(24)])
    doc = run(site(tmp_path, [{"id": "M", **INTERVAL}], to="2026-01-04"), readings(tmp_path, rows))
    assert "spike" in day(doc, "M", 3)["flags"]
    assert "spike" not in day(doc, "M", 2)["flags"]
    assert day(doc, "M", 3)["quantity"] == pytest.approx(23 + 50)


def test_manual_edit_overlays_raw(tmp_path: Path) -> None:
    # 24 values of 1.0; an edit sets 07:00 to 4.0 (who/when/why given): day = 23 + 4 = 27.
    rows = hourly("M", 1, [1.0] * 24)
    edit = {"point": "M", "time": at(1, 7), "value": 4.0, "who": "张工", "when": "2026-01-05",
            "why": "meter display photographed"}  # fmt: skip
    doc = run(site(tmp_path, [{"id": "M", **INTERVAL}], edits=[edit]), readings(tmp_path, rows))
    got = day(doc, "M")
    assert got["quantity"] == pytest.approx(27.0)
    assert "edited" in got["flags"]


def test_daily_vs_monthly_consistency(tmp_path: Path) -> None:
    # 24 kWh a day for 2 days = 48; a reported monthly 50 is 4 % off (within 5 %), 55 is
    # 12.7 % off (48/55 - 1 = -0.127): flagged monthly_mismatch.
    rows = hourly("M", 1, [1.0] * 24) + hourly("M", 2, [1.0] * 24)
    ok = {"id": "M", **INTERVAL, "monthly": {"2026-01": 50}}
    doc = run(site(tmp_path, [ok], to="2026-01-02"), readings(tmp_path, rows))
    month = doc["points"]["M"]["months"][0]
    assert month["ok"] and month["deviation"] == pytest.approx(-0.04)
    bad = {"id": "M", **INTERVAL, "monthly": {"2026-01": 55}}
    doc = run(site(tmp_path, [bad], to="2026-01-02"), readings(tmp_path, rows))
    assert doc["points"]["M"]["months"][0]["deviation"] == pytest.approx(48 / 55 - 1)
    assert "monthly_mismatch" in day(doc, "M", 1)["flags"]


def test_no_estimate_before_the_first_or_after_the_last_reading(tmp_path: Path) -> None:
    # 3 days. M (interval) reads 1, 2, 3, 4 kWh at 10:00-13:00 of day 2 only; E (register)
    # reads 100, 102, 104, 106 at the same hours. Nothing is extrapolated beyond the data:
    # days 1 and 3 are no_data with 0 and no estimate; day 2 holds only what was measured
    # (M: 1 + 2 + 3 + 4 = 10, the 20 periods before 10:00 and after 13:00 are not filled;
    # E: 106 - 100 = 6).
    rows = [("M", at(2, 10 + k), float(k + 1)) for k in range(4)]
    rows += [("E", at(2, 10 + k), 100.0 + 2 * k) for k in range(4)]
    points = [{"id": "M", **INTERVAL}, {"id": "E", **REGISTER}]
    doc = run(site(tmp_path, points, to="2026-01-03"), readings(tmp_path, rows))
    for pid, measured in (("M", 10.0), ("E", 6.0)):
        for index in (0, 2):
            got = day(doc, pid, index)
            assert got["quantity"] == 0.0 and got["estimated"] == 0.0
            assert "no_data" in got["flags"] and "estimated" not in got["flags"]
        middle = day(doc, pid, 1)
        assert middle["quantity"] == pytest.approx(measured)
        assert middle["estimated"] == 0.0 and "estimated" not in middle["flags"]
        assert middle["completeness"] == pytest.approx(4 / 24)
