"""Net quantity of prepackages against published figures and hand computation.

T table: JJF 1070-2023 = OIML R 87:2016 Table 2 = EU 76/211/EEC Annex I 2.4 (rows below).
Plan and λ: JJF 1070-2005 计量检验抽样方案 (附表 4), whose printed λ are 1.028, 0.848,
0.379, 0.295, 0.234 for n = 10, 13, 50, 80, 125.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from jiliang.supervision import (
    SupervisionInputError,
    evaluate_lot,
    lambda_factor,
    net_values,
    sampling_plan,
    scale_fine_enough,
    tolerable_deficiency,
)


@pytest.mark.parametrize(
    ("qn", "unit", "expected"),
    [
        (5, "g", "0.5"),  # 9 % of 5 = 0.45, rounded up to the next 0.1 -> 0.5
        (20, "g", "1.8"),  # 9 % of 20 = 1.8
        (50, "g", "4.5"),  # 9 % of 50 = 4.5 = the next row's 4.5 g (continuous)
        (75, "mL", "4.5"),  # 50-100: 4.5 g/mL
        (100, "g", "4.5"),  # 4.5 % of 100 = 4.5
        (150, "g", "6.8"),  # 4.5 % of 150 = 6.75 -> 6.8
        (200, "g", "9"),  # 200-300: 9 g
        (250, "mL", "9"),
        (400, "g", "12"),  # 3 % of 400 = 12.0 exactly (not 12.1 through a float)
        (500, "g", "15"),  # 500-1000: 15 g
        (750, "g", "15"),
        (1000, "g", "15"),  # 1.5 % of 1000 = 15
        (2000, "g", "30"),  # 1.5 % of 2000 = 30
        (12000, "g", "150"),  # 10000-15000: 150 g
        (20000, "g", "200"),  # 1 % of 20000 = 200
        (1, "kg", "0.015"),  # 15 g in kg
        (2, "L", "0.03"),  # 1.5 % of 2000 mL = 30 mL
    ],
)
def test_tolerable_deficiency_table(qn: float, unit: str, expected: str) -> None:
    assert tolerable_deficiency(qn, unit) == Decimal(expected)


def test_t_table_is_continuous_at_every_boundary() -> None:
    # both neighbouring rows give the same T at 50, 100, 200, 300, 500, 1000, 10000, 15000:
    # 9 % of 50 = 4.5; 4.5 % of 100 = 4.5; 4.5 % of 200 = 9; 3 % of 300 = 9; 3 % of 500 = 15;
    # 1.5 % of 1000 = 15; 1.5 % of 10000 = 150; 1 % of 15000 = 150
    expected = {50: "4.5", 100: "4.5", 200: "9", 300: "9", 500: "15", 1000: "15"}
    expected |= {10000: "150", 15000: "150"}
    for qn, t in expected.items():
        assert tolerable_deficiency(qn, "g") == Decimal(t)


def test_nominal_outside_the_table_is_refused() -> None:
    with pytest.raises(SupervisionInputError, match="outside the T table"):
        tolerable_deficiency(4, "g")
    with pytest.raises(SupervisionInputError, match=r"nominal\.unit"):
        tolerable_deficiency(500, "oz")


# λ = t0.995(n-1)/sqrt(n), hand-written Student quantiles (tables of t, two-sided 99 %):
# t(9) = 3.2498, t(12) = 3.0545, t(49) = 2.6800, t(79) = 2.6395, t(124) = 2.6161
LAMBDA = [
    (10, 3.2498 / math.sqrt(10), 1.028),  # 1.02769
    (13, 3.0545 / math.sqrt(13), 0.848),  # 0.84716 (the printed table rounds up to 0.848)
    (50, 2.6800 / math.sqrt(50), 0.379),  # 0.37901
    (80, 2.6395 / math.sqrt(80), 0.295),  # 0.29511
    (125, 2.6161 / math.sqrt(125), 0.234),  # 0.23399
]


@pytest.mark.parametrize(("n", "hand", "printed"), LAMBDA)
def test_lambda_for_every_sample_size_of_the_plan(n: int, hand: float, printed: float) -> None:
    lam = lambda_factor(n)
    assert lam == pytest.approx(hand, abs=2e-5)
    assert abs(lam - printed) <= 0.001  # the printed three-decimal value


@pytest.mark.parametrize(
    ("lot", "n", "c", "average"),
    [
        (1, 1, 0, False),
        (10, 10, 0, False),
        (11, 10, 0, True),
        (50, 10, 0, True),
        (51, 13, 1, True),
        (99, 13, 1, True),
        (100, 50, 3, True),
        (500, 50, 3, True),
        (501, 80, 5, True),
        (3200, 80, 5, True),
        (3201, 125, 7, True),
        (1_000_000, 125, 7, True),
    ],
)
def test_sampling_plan_2005(lot: int, n: int, c: int, average: bool) -> None:
    plan = sampling_plan(lot)
    assert (plan.edition, plan.n, plan.c, plan.average) == ("JJF 1070-2005", n, c, average)


def test_every_plan_row_lambda_matches_its_printed_value() -> None:
    for lot in (11, 51, 100, 501, 3201):
        plan = sampling_plan(lot)
        assert plan.lambda_table is not None
        assert abs(lambda_factor(plan.n) - plan.lambda_table) <= 0.001


def _lot(values: list[float], qn: float = 500, lot_size: int = 40) -> dict[str, object]:
    return evaluate_lot(qn, "g", lot_size, net_values([str(v) for v in values])).to_dict()


def test_lot_that_passes_on_average_but_fails_the_count_test_fails() -> None:
    # Qn 500 g, T 15 g, N 40 -> n 10, c 0. One package at 484 g: shortfall 16 > T = 15 and
    # <= 2T = 30 -> one T1 defective where none is allowed. Mean (9*502 + 484)/10 = 500.2
    # >= 500 > Qn - λs, so the average requirement passes.
    r = _lot([502] * 9 + [484])
    assert r["mean"] == pytest.approx(500.2)
    assert (r["t1"], r["t2"], r["average_ok"], r["count_ok"]) == (1, 0, True, False)
    assert r["verdict"] == "fail"


def test_one_package_beyond_2t_fails() -> None:
    # 469 g: shortfall 31 > 2T = 30; mean (9*504 + 469)/10 = 500.5
    r = _lot([504] * 9 + [469])
    assert (r["t1"], r["t2"], r["average_ok"], r["verdict"]) == (0, 1, True, "fail")


def test_average_requirement_by_hand() -> None:
    # 496, 497 five times each: mean 496.5; deviations ±0.5, s = sqrt(10*0.25/9) = 0.527046;
    # λ(10) = 1.027689; limit = 500 - 1.027689*0.527046 = 499.458362; 496.5 < limit -> fail.
    # Every shortfall (3 or 4 g) is below T = 15, so the count tests pass.
    r = _lot([496, 497] * 5)
    assert r["s"] == pytest.approx(math.sqrt(2.5 / 9), abs=1e-6)
    assert r["mean_limit"] == pytest.approx(500 - 1.027689 * 0.527046, abs=1e-5)
    assert (r["average_ok"], r["count_ok"], r["verdict"]) == (False, True, "fail")


def test_shortfall_equal_to_t_is_not_a_defective() -> None:
    # 485 g: shortfall exactly 15 = T, "greater than T" is not met
    r = _lot([505] * 9 + [485])
    assert (r["t1"], r["verdict"]) == (0, "pass")


def test_one_t1_defective_allowed_in_a_lot_of_60() -> None:
    # N 60 -> n 13, c 1; one 484 g package (shortfall 16), twelve at 503: mean
    # (12*503 + 484)/13 = 6520/13 = 501.538 -> pass; two such packages -> fail
    assert _lot([503] * 12 + [484], lot_size=60)["verdict"] == "pass"
    assert _lot([503] * 11 + [484, 484], lot_size=60)["verdict"] == "fail"


def test_small_lot_is_judged_package_by_package() -> None:
    r = _lot([499, 498, 497], lot_size=3)
    assert (r["sample_size"], r["average_ok"], r["lambda"], r["verdict"]) == (3, None, None, "pass")


def test_gross_minus_tare() -> None:
    # gross 512.4, average tare 12.4 -> net 500.0; per-unit tares likewise
    assert net_values(gross=[512.4, 513.0], tare=12.4) == [Decimal("500.0"), Decimal("500.6")]
    assert net_values(gross=[512.4, 513.0], tare=[12.4, 13.5]) == [
        Decimal("500.0"),
        Decimal("499.5"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "net"),
        ({"net": [1], "gross": [1]}, "net"),
        ({"gross": [1.0]}, "tare"),
        ({"gross": [1.0, 2.0], "tare": [1.0]}, "tare"),
        ({"net": ["x"]}, "net[0]"),
        ({"net": [True]}, "net[0]"),
        ({"net": [float("nan")]}, "net[0]"),
        ({"gross": [3.0], "tare": -1}, "tare"),
    ],
)
def test_bad_values_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SupervisionInputError) as info:
        net_values(**kwargs)
    assert info.value.field == field


def test_sample_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(SupervisionInputError, match="takes a sample of 10"):
        evaluate_lot(500, "g", 40, net_values([500.0] * 9))


def test_unknown_edition_is_refused() -> None:
    with pytest.raises(SupervisionInputError, match="not shipped"):
        sampling_plan(40, "JJF 1070-1999")


def test_scale_must_be_fine_enough() -> None:
    # T 15 g (500 g packages): the scale's MPE may be at most 0.2 * 15 = 3 g
    assert scale_fine_enough(3.0, 15.0)
    assert not scale_fine_enough(5.0, 15.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"net": [-1.0]}, "net[0]"),
        ({"net": [1e300]}, "net[0]"),
        ({"gross": [10.0], "tare": 12.0}, "tare"),
        ({"gross": [10.0, 20.0], "tare": [1.0, 21.0]}, "tare[1]"),
    ],
)
def test_values_are_bounded(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SupervisionInputError) as info:
        net_values(**kwargs)
    assert info.value.field == field


def test_core_exports_and_imports_no_django() -> None:
    import subprocess
    import sys

    import jiliang.supervision as core

    assert sorted(core.__all__) == sorted(
        [
            "ALGORITHM",
            "UNITS",
            "Draw",
            "PrepackResult",
            "RiskScore",
            "SamplingPlan",
            "SupervisionDataError",
            "SupervisionInputError",
            "Term",
            "data_file",
            "draw",
            "drift_rate",
            "editions",
            "evaluate_lot",
            "lambda_factor",
            "net_values",
            "new_seed",
            "rank",
            "risk_rules",
            "sampling_plan",
            "scale_fine_enough",
            "score_instrument",
            "score_owner",
            "tolerable_deficiency",
        ]
    )
    code = "import sys, jiliang.supervision; print('django' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["False", "False"]
