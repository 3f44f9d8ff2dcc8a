"""The shipped procedures reproduce the published MPE tables, row by row."""

from decimal import Decimal

import pytest

from jiliang.procedures import (
    ProcedureError,
    builtin_procedures,
    get_procedure,
    mpe_at,
)

# OIML R 111-1:2004 (E), Table 1 "Maximum permissible errors for weights (± δm in mg)",
# transcribed independently of the data file. Columns E1 E2 F1 F2 M1 M1-2 M2 M2-3 M3; "-" = none.
R111_TABLE_1 = """
5000 kg  -      -      25000  80000  250000 500000 800000 1600000 2500000
2000 kg  -      -      10000  30000  100000 200000 300000 600000  1000000
1000 kg  -      1600   5000   16000  50000  100000 160000 300000  500000
500 kg   -      800    2500   8000   25000  50000  80000  160000  250000
200 kg   -      300    1000   3000   10000  20000  30000  60000   100000
100 kg   -      160    500    1600   5000   10000  16000  30000   50000
50 kg    25     80     250    800    2500   5000   8000   16000   25000
20 kg    10     30     100    300    1000   -      3000   -       10000
10 kg    5.0    16     50     160    500    -      1600   -       5000
5 kg     2.5    8.0    25     80     250    -      800    -       2500
2 kg     1.0    3.0    10     30     100    -      300    -       1000
1 kg     0.5    1.6    5.0    16     50     -      160    -       500
500 g    0.25   0.8    2.5    8.0    25     -      80     -       250
200 g    0.10   0.3    1.0    3.0    10     -      30     -       100
100 g    0.05   0.16   0.5    1.6    5.0    -      16     -       50
50 g     0.030  0.10   0.3    1.0    3.0    -      10     -       30
20 g     0.025  0.080  0.25   0.8    2.5    -      8.0    -       25
10 g     0.020  0.060  0.20   0.6    2.0    -      6.0    -       20
5 g      0.016  0.050  0.16   0.5    1.6    -      5.0    -       16
2 g      0.012  0.040  0.12   0.4    1.2    -      4.0    -       12
1 g      0.010  0.030  0.10   0.3    1.0    -      3.0    -       10
500 mg   0.008  0.025  0.08   0.25   0.8    -      2.5    -       -
200 mg   0.006  0.020  0.06   0.20   0.6    -      2.0    -       -
100 mg   0.005  0.016  0.05   0.16   0.5    -      1.6    -       -
50 mg    0.004  0.012  0.04   0.12   0.4    -      -      -       -
20 mg    0.003  0.010  0.03   0.10   0.3    -      -      -       -
10 mg    0.003  0.008  0.025  0.08   0.25   -      -      -       -
5 mg     0.003  0.006  0.020  0.06   0.20   -      -      -       -
2 mg     0.003  0.006  0.020  0.06   0.20   -      -      -       -
1 mg     0.003  0.006  0.020  0.06   0.20   -      -      -       -
"""
CLASSES = ["E1", "E2", "F1", "F2", "M1", "M1-2", "M2", "M2-3", "M3"]
TO_GRAM = {"kg": Decimal(1000), "g": Decimal(1), "mg": Decimal("0.001")}


def _rows() -> list[tuple[Decimal, str, list[str]]]:
    rows = []
    for line in R111_TABLE_1.strip().splitlines():
        number, unit, *cells = line.split()
        rows.append((Decimal(number) * TO_GRAM[unit], f"{number} {unit}", cells))
    return rows


def test_three_procedures_ship_with_sources() -> None:
    codes = [p.code for p in builtin_procedures()]
    assert codes == ["JJG 539-2016", "JJG 596-2012", "JJG 99-2022"]
    for procedure in builtin_procedures():
        assert procedure.source.regulation == procedure.code
        assert procedure.source.clauses
        assert procedure.kind == "verification"
        assert procedure.verification_period.months > 0


def test_r111_table_1_every_row_and_class() -> None:
    weights = get_procedure("JJG 99-2022")
    rows = _rows()
    assert len(rows) == 30  # 5000 kg down to 1 mg, 1-2-5 series
    checked = 0
    for grams, label, cells in rows:
        for accuracy_class, cell in zip(CLASSES, cells, strict=True):
            point = {"nominal": grams}
            instrument = {"m0": grams}
            if cell == "-":
                with pytest.raises(ProcedureError, match=f"class {accuracy_class} has no MPE"):
                    mpe_at(weights, point, instrument, accuracy_class)
                continue
            mpe = mpe_at(weights, point, instrument, accuracy_class)
            assert (mpe.value, mpe.unit) == (Decimal(cell), "mg"), (label, accuracy_class)
            checked += 1
    # 270 cells less the empty ones: E1 6, E2 2, M1-2 23, M2-3 23, M2 6, M3 9.
    assert checked == 270 - 69


def test_r111_one_kilogram_row_from_the_brief() -> None:
    # R111-1 Table 1, 1 kg: E1 0.5 mg, E2 1.6 mg, F1 5 mg, F2 16 mg, M1 50 mg, M2 160, M3 500.
    weights = get_procedure("JJG 99-2022")
    expected = {
        "E1": "0.5",
        "E2": "1.6",
        "F1": "5",
        "F2": "16",
        "M1": "50",
        "M2": "160",
        "M3": "500",
    }
    for accuracy_class, value in expected.items():
        assert mpe_at(weights, {"nominal": 1000}, {"m0": 1000}, accuracy_class).value == Decimal(
            value
        )


def test_weight_not_in_the_series_is_refused() -> None:
    weights = get_procedure("JJG 99-2022")
    with pytest.raises(ProcedureError, match="3 g is not a nominal value"):
        mpe_at(weights, {"nominal": 3}, {"m0": 3}, "F1")
    with pytest.raises(ProcedureError, match="defines no in-service MPE"):
        mpe_at(weights, {"nominal": 1000}, {"m0": 1000}, "F1", in_service=True)


def test_class_iii_bands_at_their_boundaries() -> None:
    # OIML R 76-1:2006 Table 6, class III: 0 <= m <= 500 e: 0.5 e; 500 e < m <= 2000 e: 1.0 e;
    # 2000 e < m <= 10000 e: 1.5 e; R 76-1 3.5.2: in service twice these values.
    # Instrument e = 5 g, Max = 30 kg (n = 6000).
    scale = get_procedure("JJG 539-2016")
    instrument = {"Max": 30000, "e": 5}
    expected = {
        "0": ("2.5", "5.0"),
        "100": ("2.5", "5.0"),
        "2500": ("2.5", "5.0"),
        "2505": ("5.0", "10.0"),
        "10000": ("5.0", "10.0"),
        "10005": ("7.5", "15.0"),
        "30000": ("7.5", "15.0"),
    }
    for load, (initial, in_service) in expected.items():
        point = {"load": load}
        assert mpe_at(scale, point, instrument, "III").value == Decimal(initial), load
        assert mpe_at(scale, point, instrument, "III", in_service=True).value == Decimal(in_service)
    with pytest.raises(ProcedureError, match=r"no row of OIML R 76-1:2006 3\.5\.1, Table 6 covers"):
        mpe_at(scale, {"load": "50005"}, {"Max": 60000, "e": 5}, "III")


def test_class_iii_mpe_is_in_multiples_of_e() -> None:
    # Same bands for e = 0.1 g, Max = 600 g: 50 g -> 0.05 g, 50.1 g -> 0.1 g, 200.1 g -> 0.15 g.
    scale = get_procedure("JJG 539-2016")
    instrument = {"Max": 600, "e": "0.1"}
    for load, value in {"50": "0.05", "50.1": "0.1", "200": "0.1", "200.1": "0.15"}.items():
        assert mpe_at(scale, {"load": load}, instrument, "III").value == Decimal(value)


def test_energy_meter_limits_iec_62053_21_table_6() -> None:
    # IEC 62053-21:2003 Table 6 (direct connected), percentage error limits, class 1 / class 2:
    # 0.05 Ib <= I < 0.1 Ib, cos φ = 1: 1.5 / 2.5; 0.1 Ib <= I <= Imax, 1: 1.0 / 2.0;
    # 0.1 Ib <= I < 0.2 Ib, 0.5 L and 0.8 C: 1.5 / 2.5; 0.2 Ib <= I <= Imax: 1.0 / 2.0.
    meters = get_procedure("JJG 596-2012")
    instrument = {"Ib": 5, "Imax": 60}
    cases = [
        ("0.25", "1.0", "1.5", "2.5"),
        ("0.4999", "1.0", "1.5", "2.5"),
        ("0.5", "1.0", "1.0", "2.0"),
        ("60", "1.0", "1.0", "2.0"),
        ("0.5", "0.5L", "1.5", "2.5"),
        ("0.9999", "0.8C", "1.5", "2.5"),
        ("1.0", "0.5L", "1.0", "2.0"),
        ("60", "0.8C", "1.0", "2.0"),
    ]
    for current, pf, class_1, class_2 in cases:
        point = {"current": current, "power_factor": pf}
        first = mpe_at(meters, point, instrument, "1")
        assert (first.value, first.unit, first.relative) == (Decimal(class_1), "%", True)
        assert mpe_at(meters, point, instrument, "2").value == Decimal(class_2)
    for current, pf in [("0.2499", "1.0"), ("0.4999", "0.5L"), ("60.01", "1.0")]:
        with pytest.raises(ProcedureError, match="no row"):
            mpe_at(meters, {"current": current, "power_factor": pf}, instrument, "1")
