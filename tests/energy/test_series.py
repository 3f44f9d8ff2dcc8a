"""The validated series (issue 14, VEE): raw values beside validated ones, a flag per value.

Every number is worked out by hand in the comments. Hourly points over 2026-01-01.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.energy import FLAGS, evaluate, load_site, validated_series

from .helpers import CST, at, readings, site

REGISTER = {"variety": "electricity", "kind": "register", "unit": "kWh", "interval_minutes": 60}
INTERVAL = {"variety": "electricity", "kind": "interval", "unit": "kWh", "interval_minutes": 60}

# E1 (register): 00:00 100, 01:00 102, 02:00:30 104 (30 s late: snapped to 02:00),
# 03:00 missing, 04:00 110, 05:00 delivered as 111 then as 112 (duplicate, values differ:
# the later delivery wins). M1 (interval): 1, 2, -5 (negative: rejected), 4.
ROWS = [
    ("E1", at(1, 0), 100.0),
    ("E1", at(1, 1), 102.0),
    ("E1", at(1, 2, 0, 30), 104.0),
    ("E1", at(1, 4), 110.0),
    ("E1", at(1, 5), 111.0),
    ("E1", at(1, 5), 112.0),
    ("M1", at(1, 0), 1.0),
    ("M1", at(1, 1), 2.0),
    ("M1", at(1, 2), -5.0),
    ("M1", at(1, 3), 4.0),
]


def _site(tmp: Path) -> Path:
    return site(tmp, [{"id": "E1", **REGISTER}, {"id": "M1", **INTERVAL, "multiplier": 2}])


def _by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Rows keyed by (point, China-time hour of the period start)."""
    return {(r["point"], r["time"].astimezone(CST).hour): r for r in rows}


def test_series_values_flags_and_estimates(tmp_path: Path) -> None:
    parsed = load_site(_site(tmp_path).read_text("utf-8"))
    table = validated_series(parsed, readings(tmp_path, ROWS))
    rows = table.to_pylist()
    got = _by_key(rows)
    # a point's rows run from its first to its last reading: E1 00..05, M1 00..03
    assert sorted(got) == [("E1", h) for h in range(6)] + [("M1", h) for h in range(4)]
    assert rows[0]["time"] == dt.datetime(2026, 1, 1, tzinfo=CST)
    # snapped: the period starts at 02:00; the raw value is unchanged
    snapped = got[("E1", 2)]
    assert snapped["raw_value"] == snapped["value"] == 104.0
    assert "time_snapped" in snapped["flags"] and not snapped["estimated"]
    # the register at 03:00 is interpolated between 02:00 (104) and 04:00 (110): 107;
    # no raw value. Energy of 02:00-03:00 = 107 - 104 = 3, of 03:00-04:00 = 110 - 107 = 3
    gap = got[("E1", 3)]
    assert gap["raw_value"] is None and gap["value"] == pytest.approx(107.0)
    assert gap["estimated"] and "estimated" in gap["flags"]
    assert gap["quantity"] == pytest.approx(3.0) and snapped["quantity"] == pytest.approx(3.0)
    assert got[("E1", 0)]["quantity"] == pytest.approx(2.0)  # 102 - 100
    # duplicate: the later delivery (112) is raw and validated, both flags set; the energy
    # of the last period is unknown (no next reading)
    dup = got[("E1", 5)]
    assert dup["raw_value"] == dup["value"] == 112.0
    assert {"duplicate", "duplicate_conflict"} <= set(dup["flags"])
    assert dup["quantity"] is None
    # M1 02:00: -5 rejected, filled from the profile. Profile of hour 2: no valid value of
    # that hour, so the mean of the valid energies (1, 2, 4) x multiplier 2 = (2 + 4 + 8) / 3
    # = 14/3 kWh; the validated value is on the raw scale: 14/3 / 2 = 7/3.
    neg = got[("M1", 2)]
    assert neg["raw_value"] == -5.0
    assert neg["value"] == pytest.approx(7 / 3) and neg["quantity"] == pytest.approx(14 / 3)
    assert {"negative", "estimated"} <= set(neg["flags"]) and neg["estimated"]
    assert got[("M1", 3)]["quantity"] == 8.0 and got[("M1", 3)]["value"] == 4.0
    # flag_bits are the names as a mask (bit i = FLAGS[i])
    for row in rows:
        assert row["flags"] == [n for i, n in enumerate(FLAGS) if row["flag_bits"] >> i & 1]
    # the daily figure adds up the same energies: M1 = 2 + 4 + 14/3 + 8 (no estimate after
    # its last reading at 03:00); E1 = 112 - 100 = 12
    doc = evaluate(parsed, readings(tmp_path, ROWS))
    assert doc["points"]["M1"]["days"][0]["quantity"] == pytest.approx(14 + 14 / 3)
    assert doc["points"]["M1"]["days"][0]["estimated"] == pytest.approx(14 / 3)
    assert doc["points"]["E1"]["days"][0]["quantity"] == pytest.approx(12.0)


def test_cli_writes_the_series_and_keeps_the_json(tmp_path: Path) -> None:
    site_path, data = _site(tmp_path), readings(tmp_path, ROWS)
    runner = CliRunner()
    plain = runner.invoke(app, ["energy", "evaluate", str(site_path), str(data), "--json"])
    out = tmp_path / "series.parquet"
    res = runner.invoke(
        app, ["energy", "evaluate", str(site_path), str(data), "--json", "--series", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout == plain.stdout  # the JSON contract is unchanged
    table = pq.read_table(out)
    assert table.column_names == [
        "point", "time", "raw_value", "value", "quantity", "flags", "flag_bits", "estimated"
    ]  # fmt: skip
    assert table.num_rows == 10
    csv = tmp_path / "series.csv"
    res = runner.invoke(
        app, ["energy", "evaluate", str(site_path), str(data), "--series", str(csv)]
    )
    assert res.exit_code == 0, res.output
    flat = pcsv.read_csv(csv).to_pylist()
    assert flat[8]["point"] == "M1" and flat[8]["flags"] == "negative;estimated;meter_state_unknown"
    bad = runner.invoke(
        app, ["energy", "evaluate", str(site_path), str(data), "--series", str(tmp_path / "s.txt")]
    )
    assert bad.exit_code == 2 and "--series" in bad.output and "Traceback" not in bad.output
