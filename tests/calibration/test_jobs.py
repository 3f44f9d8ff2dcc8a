"""Jobs: procedures in the database, the standards interlock, environment limits, observations
(form rows, spreadsheet, all-or-nothing) and per-point results, MPE, decisions and PFA.

Expected numbers come from the published sources cited at each test:
OIML R 76-1:2006 Table 6 (MPE of class III: 0.5 e / 1.0 e / 1.5 e; 3.5.2 doubles in service),
GUM (JCGM 100:2008) 4.3.7 (rectangular u = a/√3) and G.3 / Table G.1 (k = 1.960 for 95 %,
infinite degrees of freedom), ILAC-G8:2019 4.2.2 (guarded acceptance: acceptance limit TL − w,
w = U) and JCGM 106:2012 7.5 (specific risk from the normal PDF of the measurand).
"""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.calibration.conftest import SCALE_LOADS, WORK_DAY, make_job, ready_job, scale_rows

pytestmark = pytest.mark.django_db

E = 5.0  # verification scale interval of the scale under test, g
# GUM 4.3.7: the change point of OIML R 76-1 A.4.4.3 found with 0.1 e weights, rectangular
# of half-width 0.05 e; the F1 weight's MPE (R 111-1 Table 1, 10 kg: 50 mg) as a rectangular
# of half-width 0.05 g. u = 0.147196 g, U95 = 0.288499 g.
U_STD = math.sqrt((0.05 * E) ** 2 / 3 + 0.05**2 / 3)
K95 = 1.959964  # GUM Table G.1 / normal quantile for 95 %


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_shipped_procedures_load_idempotently(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord

    before = ProcedureRecord.objects.count()
    assert services.load_builtin_procedures() == 3
    assert ProcedureRecord.objects.count() == before == 3
    codes = set(ProcedureRecord.objects.values_list("code", flat=True))
    assert codes == {"JJG 539-2016", "JJG 99-2022", "JJG 596-2012"}


def test_lab_adds_its_own_procedure_and_errors_name_the_key(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord

    text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-QP-539-01")
    record = services.add_procedure(lab.recorder, text, "own.yaml")
    assert record.institution_id == lab.world.city.pk
    broken = text.replace("months: 12", "months: twelve")
    with pytest.raises(ValidationError) as info:
        services.add_procedure(lab.recorder, broken, "broken.yaml")
    ((key, messages),) = info.value.message_dict.items()
    assert key == "verification_period.months"
    assert "broken.yaml" in messages[0]
    with pytest.raises(ValidationError, match="shipped procedure"):
        services.add_procedure(lab.recorder, lab.procedure.source_text, "copy.yaml")
    with pytest.raises(PermissionDenied):
        services.add_procedure(lab.world.users["market"], text, "own.yaml")
    assert ProcedureRecord.objects.filter(institution=lab.world.city).count() == 1


def test_receipt_checks_class_and_parameters(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.calibration.models import Job

    with pytest.raises(ValidationError) as info:
        services.create_job(
            lab.recorder,
            instrument=lab.world.scale,
            receipt_number="R-X",
            received_on=WORK_DAY,
            procedure=lab.procedure,
            accuracy_class="II",
            parameters={"Max": "15000", "e": "5"},
        )
    assert "accuracy_class" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.create_job(
            lab.recorder,
            instrument=lab.world.scale,
            receipt_number="R-X",
            received_on=WORK_DAY,
            procedure=lab.procedure,
            accuracy_class="III",
            parameters={"Max": "15000"},
        )
    assert "parameters.e" in info.value.message_dict
    assert Job.objects.count() == 0


def test_interlock_lists_blocked_standards_with_reasons(lab: Any) -> None:
    import datetime as dt

    from jiliang.calibration import services
    from jiliang.registry.models import MeasurementStandard

    world = lab.world
    job = make_job(lab)
    broken = MeasurementStandard.objects.create(
        institution=world.city,
        name="M1 weights",
        kind="working",
        code="ZB-M1-009",
        quantity=world.f1.quantity,
        range_min=0.001,
        range_max=5,
        unit="kg",
        expanded_uncertainty=0.002,
        status="nonconforming",
        nonconforming_since=dt.date(2025, 1, 1),
    )
    candidates = {c.standard.code: c for c in services.candidate_standards(job)}
    assert candidates["ZB-F1-001"].usable
    problems = " | ".join(candidates["ZB-M1-009"].problems)
    assert "nonconforming" in problems
    assert "does not cover" in problems  # 5 kg < Max = 15 kg
    assert "exceeds the required" in problems  # 2 g > 1/3 × 0.5 e = 0.833 g (R 76-1 3.7.1)
    with pytest.raises(ValidationError) as info:
        services.set_standards(job, lab.recorder, [broken.pk])
    assert "ZB-M1-009" in info.value.message_dict["standards"][0]
    assert not job.standards.exists()
    services.set_standards(job, lab.recorder, [world.f1.pk])
    assert list(job.standards.values_list("code", flat=True)) == ["ZB-F1-001"]


def test_environment_is_checked_against_the_procedure_limits(lab: Any) -> None:
    from jiliang.calibration import services

    job = make_job(lab)
    with pytest.raises(ValidationError) as info:
        services.set_conditions(
            job, lab.recorder, work_date=WORK_DAY, place="lab", environment={"temperature": 41}
        )
    # OIML R 76-1:2006 3.9.2.2: −10 °C to +40 °C.
    assert "above the limit 40" in info.value.message_dict["environment.temperature"][0]
    with pytest.raises(ValidationError) as info:
        services.set_conditions(job, lab.recorder, work_date=WORK_DAY, place="lab", environment={})
    assert "required" in info.value.message_dict["environment.temperature"][0]
    job.refresh_from_db()
    assert job.work_date is None


def test_results_carry_the_published_mpe_per_point(lab: Any) -> None:
    job = ready_job(lab, [0, 0, 0, 0, 0])
    mpe = {o.label: o.mpe for o in job.observations.all()}
    # OIML R 76-1 Table 6, class III, e = 5 g: 0 < m ≤ 500 e → 0.5 e; 500 e < m ≤ 2000 e → 1 e;
    # 2000 e < m ≤ 10000 e → 1.5 e.
    assert mpe == {"Min": 2.5, "500 e": 2.5, "2000 e": 5.0, "1/2 Max": 5.0, "Max": 7.5}
    for obs in job.observations.all():
        assert obs.expanded_uncertainty == pytest.approx(K95 * U_STD, rel=1e-5)
        assert obs.coverage_factor == pytest.approx(K95, rel=1e-5)
        assert obs.unit == "g"


def test_in_service_mpe_is_twice_the_initial(lab: Any) -> None:
    job = ready_job(lab, [0, 0, 0, 0, 0], in_service=True)
    # OIML R 76-1:2006 3.5.2: MPE in service = 2 × MPE on initial verification.
    assert [o.mpe for o in job.observations.all()] == [5.0, 5.0, 10.0, 10.0, 15.0]


@pytest.mark.parametrize(
    ("rule", "error", "expected"),
    [
        # ILAC-G8:2019 4.2.2, w = U: acceptance limit 7.5 g − U = 7.2115 g at Max.
        ("guarded_acceptance", 7.21, "pass"),
        ("guarded_acceptance", 7.22, "fail"),
        # ILAC-G8:2019 4.2.1, simple acceptance, allowed since U = 0.2885 g <= 7.5 g / 3:
        # limit = MPE = 7.5 g.
        ("simple_acceptance", 7.22, "pass"),
        ("simple_acceptance", 7.5, "pass"),
        ("simple_acceptance", 7.55, "fail"),
        # JJF 1094-2002 5.3 (the procedure's rule, named or not): U <= MPEV/3, so U is
        # ignored and the limit is 7.5 g as for simple acceptance.
        ("jjf1094", 7.5, "pass"),
        ("jjf1094", 7.55, "fail"),
        ("", 7.5, "pass"),
    ],
)
def test_guard_band_decision_at_the_boundary(
    lab: Any, rule: str, error: float, expected: str
) -> None:
    assert pytest.approx(7.2115, abs=1e-4) == 7.5 - K95 * U_STD
    job = ready_job(lab, [0, 0, 0, 0, error], decision_rule=rule)
    at_max = job.observations.get(label="Max")
    assert at_max.error == pytest.approx(error, abs=1e-9)
    assert at_max.statement == expected
    expected_w = K95 * U_STD if rule == "guarded_acceptance" else 0.0
    assert at_max.guard_band == pytest.approx(expected_w, rel=1e-5)


def test_pfa_is_shown_per_point(lab: Any) -> None:
    job = ready_job(lab, [0, 0, 5.0, 0, 7.21], decision_rule="guarded_acceptance")
    at_max = job.observations.get(label="Max")
    # JCGM 106:2012 7.5: PFA = P(|E| > 7.5 g | e = 7.21 g, u) from the normal PDF; inside the
    # guarded acceptance zone with w = U it stays below 2.5 % (ILAC-G8:2019 4.2.2).
    expected = _normal_sf((7.5 - 7.21) / U_STD) + _normal_sf((7.5 + 7.21) / U_STD)
    assert at_max.risk == pytest.approx(expected, rel=1e-4)
    assert 0.02 < at_max.risk < 0.025
    at_2000e = job.observations.get(label="2000 e")
    # Rejected at the limit (E = MPE): the probability that it conforms is one half (PFR).
    assert at_2000e.statement == "fail"
    assert at_2000e.risk == pytest.approx(0.5, abs=1e-6)


def test_as_found_fail_as_left_pass(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab, [0, 0, 6.0, 0, 0])
    result = services.conclusion(job)
    assert (result.kind, result.conclusion, result.failed) == ("notice", "fail", ["2000 e"])
    services.record_observations(
        job,
        lab.recorder,
        [{"point": "2000 e", "state": "as_left", "I": 10000.0, "dL": 2.5, "mpe_ref": 0.05}],
    )
    result = services.conclusion(job)
    assert (result.kind, result.conclusion) == ("verification", "pass")
    states = sorted(job.observations.filter(label="2000 e").values_list("state", flat=True))
    assert states == ["as_found", "as_left"]


def test_observation_errors_name_row_and_field_and_change_nothing(lab: Any) -> None:
    from jiliang.calibration import services

    job = make_job(lab)
    rows = scale_rows([0, 0, 0, 0, 0])
    rows[2]["I"] = "abc"
    rows[4]["point"] = "9 kg"
    with pytest.raises(ValidationError) as info:
        services.record_observations(job, lab.recorder, rows)
    errors = info.value.message_dict
    assert errors["row 3.I"] == ["'abc' is not a number"]
    assert "not a test point" in errors["row 5.point"][0]
    assert not job.observations.exists()


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_spreadsheet_upload_all_or_nothing(lab: Any) -> None:
    from jiliang.calibration import services

    job = make_job(lab)
    header = ["point", "state", "I", "dL", "mpe_ref"]
    good = [[str(i + 1), "as_found", load, 2.5, 0.05] for i, load in enumerate(SCALE_LOADS)]
    bad = [*good[:3], ["4", "sideways", 7500, 2.5, 0.05], good[4]]
    rows = services.read_spreadsheet(_xlsx([header, *bad]), "obs.xlsx")
    with pytest.raises(ValidationError) as info:
        services.record_observations(job, lab.recorder, rows)
    assert "obs.xlsx row 5.state" in info.value.message_dict
    assert not job.observations.exists()
    rows = services.read_spreadsheet(_xlsx([header, *good]), "obs.xlsx")
    assert services.record_observations(job, lab.recorder, rows) == 5
    assert job.observations.count() == 5
    with pytest.raises(ValidationError, match=r"not an \.xlsx"):
        services.read_spreadsheet(b"not a workbook", "x.xlsx")


def test_only_the_lab_staff_record(lab: Any) -> None:
    from jiliang.calibration import services

    job = make_job(lab)
    for other in ("sd_lab", "market", "reg_zibo"):
        with pytest.raises(PermissionDenied):
            services.record_observations(job, lab.world.users[other], scale_rows([0] * 5))
    assert not job.observations.exists()


def test_demo_loads_the_procedures(db: Any) -> None:
    from jiliang.calibration.demo import build_calibration_demo

    assert build_calibration_demo() == {"procedures": 3}
    assert build_calibration_demo() == {"procedures": 3}
