"""Values typed with units: pint conversion and range checks (hand arithmetic in comments)."""

from __future__ import annotations

import pytest

from jiliang.units import UnitError, Value, compatible, convert, parse, to_unit, within_range


def test_parse() -> None:
    assert parse("15 kg") == Value(15.0, "kg")
    assert parse("15", "kg") == Value(15.0, "kg")
    assert parse(" 2.5e3kPa ") == Value(2500.0, "kPa")
    for bad in ("", "kg", "fifteen kg", "15 furlongz"):
        with pytest.raises(UnitError):
            parse(bad)


def test_kpa_to_mpa() -> None:
    # 2500 kPa = 2500 × 10^3 Pa = 2.5 × 10^6 Pa = 2.5 MPa
    assert convert(2500, "kPa", "MPa") == pytest.approx(2.5, rel=1e-12)
    assert to_unit("2500 kPa", "MPa") == pytest.approx(2.5, rel=1e-12)
    assert to_unit("1.6", "MPa") == 1.6  # a bare number is in the field's unit
    # 1 m³/h = 1000 L / 3600 s = 0.27777… L/s
    assert convert(1, "m³/h", "L/s") == pytest.approx(1000 / 3600, rel=1e-12)
    # 20 ℃ = 293.15 K
    assert convert(20, "℃", "K") == pytest.approx(293.15, rel=1e-12)


def test_fifteen_grams_for_a_fifteen_kilogram_scale() -> None:
    # a 0.04–15 kg scale: 15 kg is its maximum capacity
    assert within_range("15 kg", 0.04, 15, "kg") == 15
    # 15 g = 0.015 kg < 0.04 kg: refused, and the message shows both figures
    with pytest.raises(UnitError) as err:
        within_range("15 g", 0.04, 15, "kg")
    message = str(err.value)
    assert "15 g = 0.015 kg" in message
    assert "0.04–15 kg" in message


def test_incompatible_units() -> None:
    assert compatible("kPa", "MPa")
    assert not compatible("kg", "MPa")
    with pytest.raises(UnitError, match="kg cannot be converted to MPa"):
        to_unit("3 kg", "MPa")


def test_exported_members() -> None:
    import jiliang.units

    assert sorted(jiliang.units.__all__) == [
        "UnitError",
        "Value",
        "compatible",
        "convert",
        "parse",
        "to_unit",
        "within_range",
    ]
