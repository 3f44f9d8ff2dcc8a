"""Calibration (校准) rather than verification: values with U and k and no pass/fail, unless the
customer asked for a statement of conformity (ISO/IEC 17025 7.8.6.1; ILAC-G8:2019 3)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.calibration.conftest import SCALE_PARAMETERS, WORK_DAY, scale_rows

pytestmark = pytest.mark.django_db


def _calibration_job(lab: Any, statement: bool, receipt: str) -> Any:
    from jiliang.calibration import services
    from jiliang.calibration.models import ProcedureRecord

    record = ProcedureRecord.objects.filter(code="ZB-CAL-539").first()
    if record is None:
        text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-CAL-539")
        text = text.replace("kind: verification", "kind: calibration")
        record = services.add_procedure(lab.recorder, text, "zb-cal-539.yaml")
    job = services.create_job(
        lab.recorder,
        instrument=lab.world.scale,
        receipt_number=receipt,
        received_on=WORK_DAY,
        procedure=record,
        accuracy_class="III",
        parameters=SCALE_PARAMETERS,
        statement_requested=statement,
    )
    services.set_standards(job, lab.recorder, [lab.world.f1.pk])
    services.set_conditions(
        job, lab.recorder, work_date=WORK_DAY, place="lab", environment={"temperature": 20}
    )
    services.record_observations(job, lab.recorder, scale_rows([0, 0, 6.0, 0, 0]))
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    return job


def test_calibration_without_statement_has_no_verdict(lab: Any, tmp_path: Path) -> None:
    from jiliang.calibration import services

    job = _calibration_job(lab, statement=False, receipt="C-1")
    cert = job.certificate
    assert (cert.kind, cert.conclusion, cert.valid_until) == ("calibration", "calibrated", None)
    assert all(o.statement == "" and o.mpe is None for o in job.observations.all())
    assert all(o.expanded_uncertainty and o.coverage_factor for o in job.observations.all())
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(bytes(services.document(cert, "pdf").content))
    text = re.sub(
        r"\s+",
        "",
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout,
    )
    assert "校准证书" in text and "校准结果" in text
    assert "判定" not in text  # no decision column, no decision rule


def test_calibration_with_statement_states_conformity(lab: Any) -> None:
    job = _calibration_job(lab, statement=True, receipt="C-2")
    cert = job.certificate
    assert (cert.kind, cert.conclusion) == ("calibration", "calibrated")
    statements = {o.label: o.statement for o in job.observations.all()}
    assert statements["2000 e"] == "fail"  # 6 g against ±5 g (OIML R 76-1 Table 6)
    assert statements["Max"] == "pass"
