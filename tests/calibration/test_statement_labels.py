"""Issue 13 §6: statement labels are translated (Chinese msgids, English catalogue), while the
certificate stays bilingual, "合格 pass", whatever language its signer browses in."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.calibration.conftest import ready_job

pytestmark = pytest.mark.django_db

LABELS = {
    "pass": ("合格", "pass"),
    "fail": ("不合格", "fail"),
    "conditionalPass": ("有条件合格", "conditional pass"),
    "conditionalFail": ("有条件不合格", "conditional fail"),
    "undecided": ("待定", "undecided"),
}


@pytest.mark.parametrize("statement", list(LABELS))
def test_labels_in_each_language(statement: str) -> None:
    from jiliang.calibration import decisions

    zh, en = LABELS[statement]
    with translation.override("zh-hans"):
        assert decisions.statement_label(statement) == zh
        assert decisions.certificate_label(statement) == f"{zh} {en}"
    with translation.override("en"):
        assert decisions.statement_label(statement) == en
        assert decisions.certificate_label(statement) == f"{zh} {en}"
    assert decisions.statement_label("") == ""


def test_the_certificate_stays_bilingual_when_signed_in_english(lab: Any, tmp_path: Path) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    with translation.override("en"):  # the approver browses in English
        for user in (lab.recorder, lab.checker, lab.approver):
            services.sign(job, user)
    job.refresh_from_db()
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(bytes(services.document(job.certificate, "pdf").content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert compact.count("合格pass") == 5  # the five points of the scale
    # the standard's row reads as people write it (issue 13 §6): F1 weights 0.000001–20 kg,
    # U = 0.000005 kg to two significant digits → 5.0 mg; it was "1e-06 – 20 kg", "U = 5e-06"
    assert "0.000001–20kg" in compact and "U=5.0mg(k=2)" in compact
    assert "e-0" not in compact
    dcc = bytes(services.document(job.certificate, "dcc").content)
    # values, not labels: the five points and the overall statement
    assert dcc.count(b"<dcc:conformity>pass</dcc:conformity>") == 6
