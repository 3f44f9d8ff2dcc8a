"""Issue 12 §5: a JJG 539 job whose U (2.9 g) exceeds the MPE (2.5 g) issued "合格 pass".

JJF 1094-2002 5.3 lets the uncertainty be ignored only when U95 <= MPEV/3; otherwise a point
passes only when |E| <= MPEV − U95, fails when |E| >= MPEV + U95, and is undecided (待定)
between. The job here reads the indication directly (no change-point weights), as the shipped
JJG 539 file did before it took the change-point method of OIML R 76-1 A.4.4.3, with
mpe_ref = 0.5 g; every expected value is worked by hand:

    u = √((0.5·e)² + 0.5²)/√3 = √(6.25 + 0.25)/√3 = 1.47196 g,  U95 = 1.959964·u = 2.8850 g

    point    load      MPE (R 76-1 Table 6)   MPEV − U    MPEV + U
    Min      100 g     2.5 g (0.5 e)          −0.385 g    5.385 g
    500 e    2500 g    2.5 g                  −0.385 g    5.385 g
    2000 e   10000 g   5 g (1 e)              2.115 g     7.885 g
    1/2 Max  7500 g    5 g                    2.115 g     7.885 g
    Max      15000 g   7.5 g (1.5 e)          4.615 g     10.385 g
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.calibration.conftest import SCALE_LOADS, SCALE_PARAMETERS, WORK_DAY

pytestmark = pytest.mark.django_db

U95 = 1.959964 * math.sqrt((2.5**2 + 0.5**2) / 3)  # 2.8850 g


def _direct_reading(lab: Any) -> Any:
    """The lab's own copy of JJG 539 that reads the indication directly (rounding ±e/2),
    keeping the decision rule the shipped file names."""
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord

    found = ProcedureRecord.objects.filter(institution=lab.world.city).first()
    if found is not None:
        return found
    text = lab.procedure.source_text
    for old, new in (
        ("code: JJG 539-2016", "code: ZB-JJG539-DIRECT"),
        ("E: I + 0.5*e - dL + r_P*e - m_ref", "E: I + r_I*e - m_ref"),
        ('    dL: {value: "${dL}", unit: g}\n', ""),
        (
            "r_P: {distribution: rectangular, value: 0, halfwidth: 0.05}",
            "r_I: {distribution: rectangular, value: 0, halfwidth: 0.5}",
        ),
    ):
        text = text.replace(old, new)
    return services.add_procedure(lab.recorder, text, "zb-jjg539-direct.yaml")


def _job(lab: Any, errors: list[float], receipt: str = "R-1094", **options: Any) -> Any:
    from jiliang.calibration import services

    job = services.create_job(
        lab.recorder,
        instrument=lab.world.scale,
        receipt_number=receipt,
        received_on=WORK_DAY,
        procedure=_direct_reading(lab),
        accuracy_class="III",
        parameters=SCALE_PARAMETERS,
        **options,
    )
    services.set_standards(job, lab.recorder, [lab.world.f1.pk])
    services.set_conditions(
        job, lab.recorder, work_date=WORK_DAY, place="lab", environment={"temperature": 20}
    )
    rows = [
        {"point": str(i + 1), "state": "as_found", "I": load + error, "mpe_ref": 0.5}
        for i, (load, error) in enumerate(zip(SCALE_LOADS, errors, strict=True))
    ]
    services.record_observations(job, lab.recorder, rows)
    job.refresh_from_db()
    return job


def test_u_above_the_mpe_never_issues_pass(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.registry.models import Certificate

    before = Certificate.objects.count()
    job = _job(lab, [0, 0, 0, 0, 0])
    observations = {o.label: o for o in job.observations.all()}
    assert observations["Min"].expanded_uncertainty == pytest.approx(U95, rel=1e-5)
    assert observations["Min"].mpe == 2.5
    statements = [o.statement for o in job.observations.all()]
    # E = 0: undecided where MPEV − U < 0, pass where 0 <= MPEV − U.
    assert statements == ["undecided", "undecided", "pass", "pass", "pass"]
    result = services.conclusion(job)
    assert result.conclusion == "undecided"
    assert result.undecided == ("Min", "500 e")
    problem = services.readiness_problems(job)["conformity"]
    assert "待定 undecided at Min, 500 e" in problem and "JJF 1094-2002 5.3" in problem
    with pytest.raises(ValidationError):
        services.sign(job, lab.recorder)
    job.refresh_from_db()
    assert job.certificate is None and job.status == "draft"
    assert Certificate.objects.count() == before


def test_simple_acceptance_is_refused_when_u_exceeds_a_third_of_the_mpe(lab: Any) -> None:
    # U = 2.885 g > 2.5 g / 3 = 0.833 g at Min: simple acceptance may not ignore it.
    with pytest.raises(ValidationError) as info:
        _job(lab, [0, 0, 0, 0, 0], decision_rule="simple_acceptance")
    reason = info.value.message_dict["point Min"][0]
    assert "simple acceptance needs U95 <= MPEV/3" in reason
    from jiliang.calibration.models import Observation

    assert not Observation.objects.exists()


def test_a_failed_point_fails_the_instrument_and_the_notice_shows_undecided(
    lab: Any, tmp_path: Path
) -> None:
    from jiliang import dcc
    from jiliang.calibration import services

    # 500 e: |3.0| is between −0.385 and 5.385 → 待定 (outside ±2.5). Max: 11 >= 10.385 → fail.
    job = _job(lab, [0, 3.0, 0, 0, 11.0])
    assert [o.statement for o in job.observations.all()] == [
        "undecided",
        "undecided",
        "pass",
        "pass",
        "fail",
    ]
    result = services.conclusion(job)
    assert (result.kind, result.conclusion, result.failed) == ("notice", "fail", ["Max"])
    assert result.undecided == ("Min", "500 e")
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    cert = job.certificate
    assert (cert.kind, cert.conclusion, cert.valid_until) == ("notice", "fail", None)
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(bytes(services.document(cert, "pdf").content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert compact.count("待定undecided") == 2
    assert "JJF1094-20025.3" in compact  # the stated rule
    xml = bytes(services.document(cert, "dcc").content)
    parsed = dcc.parse_dcc(xml, "notice")
    verdicts = [r.conformity.statement for r in parsed.results if r.conformity is not None]
    # DCC has no 待定: inside the tolerance conditionalPass, outside conditionalFail.
    assert verdicts == ["conditionalPass", "conditionalFail", "pass", "pass", "fail"]
    first = parsed.results[0].conformity
    assert first is not None and first.rule is not None
    assert "undecided" in first.rule.get("en")


def test_the_job_page_and_api_show_undecided(lab: Any) -> None:
    from django.test import Client

    job = _job(lab, [0, 0, 0, 0, 0])
    client = Client()
    client.force_login(lab.recorder)
    page = client.get(f"/calibration/jobs/{job.pk}/").content.decode()
    assert page.count("待定") >= 2
    assert "不能出证" in page
    client.cookies["django_language"] = "en"  # the same page in English (tests/i18n)
    english = client.get(f"/calibration/jobs/{job.pk}/").content.decode()
    assert "cannot be issued" in english
    data = client.get(f"/api/calibration/jobs/{job.pk}").json()
    assert [o["statement"] for o in data["observations"]][:2] == ["undecided", "undecided"]
    assert data["observations"][0]["statement_label"] == "undecided"  # the caller's language
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"/api/calibration/jobs/{job.pk}").json()
    assert chinese["observations"][0]["statement_label"] == "待定"
    assert data["decision_rule"].startswith("JJF 1094-2002 5.3")
    assert "conformity" in data["missing"]


def test_results_recorded_under_the_old_rule_are_not_signed(lab: Any) -> None:
    """A draft recorded before JJF 1094 became the default holds "pass" where the current rule
    says 待定: no signature goes on it until the observations are recorded again."""
    from jiliang.calibration import services
    from jiliang.calibration.models import Observation

    job = _job(lab, [0, 0, 0, 0, 0])
    # what simple acceptance stored for the same inputs (|E| = 0 <= MPE = 2.5 g)
    Observation.objects.filter(job=job, label__in=["Min", "500 e"]).update(statement="pass")
    with pytest.raises(ValidationError) as info:
        services.sign(job, lab.recorder)
    message = info.value.message_dict["observations"][0]
    assert "Min: recorded 合格 pass, now 待定 undecided" in message
    assert "500 e: recorded 合格 pass, now 待定 undecided" in message
    job.refresh_from_db()
    assert job.status == "draft" and not job.signatures.exists()
    # recorded again: the current statements, and the readiness check names the 待定 points
    rows = [{"point": o.label, "state": o.state, **o.inputs} for o in job.observations.all()]
    services.record_observations(job, lab.recorder, rows)
    assert "conformity" in services.readiness_problems(job)
    assert job.observations.get(label="Min").statement == "undecided"
