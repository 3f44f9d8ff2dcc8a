"""The energy data files: each row states its source and whether it was confirmed."""

from __future__ import annotations

from jiliang.energy import _data


def test_coefficients_cover_varieties_and_carry_confirmed_flags() -> None:
    edition = _data.edition("GB/T 2589-2020")
    assert edition is not None
    rows = edition["varieties"]
    assert set(rows) == set(_data.varieties())
    assert all("confirmed" in row for row in rows.values())
    # 当量值 of electricity as published in GB/T 2589-2020 (and issue 14): 0.1229 kgce/kWh
    assert rows["electricity"]["equivalent_calorific"] == 0.1229
    # raw coal: 20 908 kJ/kg / 29 271 kJ/kgce = 0.71429 kgce/kg = 714.3 kgce/t
    assert round(20908 / 29271 * 1000, 1) == rows["raw_coal"]["kgce_per_unit"] == 714.3
    # diesel: 42 652 / 29 271 = 1.45714 -> 1457.1 kgce/t
    assert round(42652 / 29271 * 1000, 1) == rows["diesel"]["kgce_per_unit"] == 1457.1


def test_factor_sets_are_keyed_and_flagged() -> None:
    for key in _data.factor_keys():
        row = _data.factor_set(key)
        assert row is not None
        assert {"publisher", "purpose", "data_year", "region", "guideline", "confirmed"} <= set(row)
        assert row["variety"] in _data.varieties()
    assert _data.factor_set("grid-2022-ets")["value"] == 0.5703  # type: ignore[index]
    assert _data.factor_set("grid-2022-statistics")["value"] == 0.5366  # type: ignore[index]
    assert _data.conservative_correction()["confirmed"] is False


def test_rules_and_tables_state_editions() -> None:
    rules = _data.vee_rules()
    assert rules["completeness_min"] == 0.90
    assert rules["daily_monthly_tolerance"] == 0.05
    assert rules["timestamp_tolerance_s"] == 60
    gb = _data.load("gb17167")["editions"]
    assert [e["id"] for e in gb] == ["GB 17167-2006", "GB 17167-2025"]
    assert all(e["confirmed"] is False for e in gb)
    assert all(
        "standard" in row and row["confirmed"] is False for row in _data.load("limits")["limits"]
    )
