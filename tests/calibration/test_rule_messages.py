"""Issue 13 §6: the interlock and traceability messages write numbers as people do — no
"1e-06", no "15.0", no "500000000.0 Pa"; uncertainties to two significant digits rounded up
(JJF 1059.1-2012), limits to three, SI prefixes where a person would write one. Every
expected text below is worked out by hand from the world's figures (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.calibration.conftest import make_job

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"  # the SI digit-group separator (narrow no-break space)


@pytest.mark.parametrize(
    ("low", "high", "unit", "text"),
    [
        (0.0, 500000000.0, "Pa", "0–500 MPa"),
        (0.000001, 20.0, "kg", "0.000001–20 kg"),
        (100.0, 15000.0, "g", f"100–15{NNBSP}000 g"),
        (0.000001, 0.00001, "kg", "1–10 mg"),
        (-5.0, 5.0, "%", "−5–5 %"),
    ],
)
def test_ranges(low: float, high: float, unit: str, text: str) -> None:
    from jiliang.registry import figures

    assert figures.value_range(low, high, unit) == text


def test_single_figures() -> None:
    from jiliang.registry import figures

    assert figures.quantity(1e-05, "kg") == "10 mg"
    assert figures.quantity(500000000.0, "Pa") == "500 MPa"
    assert figures.uncertainty(1.6e-05, "kg") == "16 mg"  # 2 digits, SI prefix
    assert figures.uncertainty(0.0123456, "g") == "0.013 g"  # rounded up (JJF 1059.1)
    assert figures.limit(0.00083333333, "kg") == "833 mg"
    assert figures.ratio(2.0) == "2.00"
    assert figures.uncertainty_against(2e-05, 8.3333e-06, "kg") == ("20 mg", "8.33 mg")


def test_traceability_out_of_range_message(world: Any) -> None:
    from jiliang.registry import traceability
    from jiliang.registry.models import MeasurementStandard

    # F1 weights 0.000001–20 kg cut to 10 kg, below the scale's 15 kg
    MeasurementStandard.objects.filter(pk=world.f1.pk).update(range_max=10)
    problems = [p for _, p in traceability.trace_up(world.scale, dt.date(2025, 10, 1)).problems]
    assert [p.message for p in problems if p.code == "out_of_range"] == [
        "range 0.000001–10 kg does not cover 0.04–15 kg"
    ]


def test_interlock_messages_on_the_job_page(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.registry.models import MeasurementStandard

    job = make_job(lab)  # JJG 539 class III, Max 15 kg, e = 5 g
    MeasurementStandard.objects.create(
        institution=lab.world.city,
        name="M1 weights",
        kind="working",
        code="ZB-M1-009",
        quantity=lab.world.f1.quantity,
        range_min=0.001,
        range_max=5,
        unit="kg",
        expanded_uncertainty=0.002,
    )
    problems = {c.standard.code: c.problems for c in services.candidate_standards(job)}
    # the job's points run from Min = 20 e = 100 g to Max = 15 kg, in the standard's unit kg;
    # the smallest MPE is 0.5 e = 2.5 g at Min, a third of it 0.000833 kg (R 76-1 3.7.1),
    # and U = 0.002 kg is written to two digits, 0.0020 kg, in the same unit as the limit
    assert problems["ZB-M1-009"][2:] == [
        "range 0.001–5 kg does not cover 0.1–15 kg",
        "uncertainty 0.0020 kg exceeds the required 0.000833 kg (1/3 MPE, OIML R 76-1:2006 3.7.1)",
    ]
