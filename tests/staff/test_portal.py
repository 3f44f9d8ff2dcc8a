"""Issue 13 §3: the owner follows its jobs without the laboratory's internals, and downloads
PDF and DCC from the registry's certificate page. And §2's one signing rule: the staff role
decides the step (recorder → record, checker → check, approver → approve).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import WORK_DAY, make_lab, ready_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(world: Any, settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path / "data"  # signing keys outside the checkout
    return make_lab(world)


def _issue(lab: Any) -> Any:
    from jiliang.calibration import services

    job = ready_job(lab)
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    return job


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_owner_sees_status_not_internals(lab: Any) -> None:
    from jiliang.calibration import services

    job = ready_job(lab)
    market = _client(lab.world.users["market"])
    page = market.get("/my/jobs/").content.decode()
    assert "R-0001" in page and "检定/校准中" in page
    services.sign(job, lab.recorder)
    page = market.get("/my/jobs/").content.decode()
    assert "待签字" in page
    market.cookies["django_language"] = "en"
    assert "Awaiting signatures" in market.get("/my/jobs/").content.decode()
    for internal in ("外观完好", "city checker", lab.people["recorder"].name, "mpe_ref"):
        assert internal not in page  # condition on receipt, signers, observations
    api = market.get("/api/my/jobs").json()
    assert [j["status"] for j in api] == ["awaiting_signatures"]
    assert set(api[0]) == {
        "receipt_number",
        "lab",
        "instrument",
        "serial_number",
        "received_on",
        "status",
        "certificate",
        "issued_on",
        "returned_on",
        "pdf",
        "dcc",
    }
    assert market.get(f"/calibration/jobs/{job.pk}/").status_code in (403, 404)


def test_owner_downloads_from_the_certificate_page(lab: Any) -> None:
    job = _issue(lab)
    number = job.certificate.number
    market = _client(lab.world.users["market"])
    rows = market.get("/api/my/jobs?status=issued").json()
    assert [r["certificate"] for r in rows] == [number]
    page = market.get(f"/certificates/{job.certificate.pk}/").content.decode()
    pdf_url = f"/calibration/certificates/{number}/pdf"
    assert pdf_url in page and f"/calibration/certificates/{number}/dcc" in page
    pdf = market.get(pdf_url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    dcc = market.get(rows[0]["dcc"])
    assert dcc.status_code == 200 and b"digitalCalibrationCertificate" in dcc.content
    taxi = _client(lab.world.users["taxi"])  # another owner: not its certificate
    assert taxi.get(pdf_url).status_code == 404
    assert taxi.get("/api/my/jobs").json() == []
    assert "/calibration/certificates/" not in taxi.get("/my/jobs/").content.decode()


def test_bad_status_filter(lab: Any) -> None:
    market = _client(lab.world.users["market"])
    response = market.get("/api/my/jobs?status=internal")
    assert response.status_code == 400
    assert "status" in response.json()["detail"]
    assert Client().get("/api/my/jobs").status_code == 401
    assert market.get("/my/jobs/?status=internal").status_code == 200  # the page shows all


def test_the_staff_role_decides_the_signing_step(lab: Any) -> None:
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    job = ready_job(lab)
    lab.recorder.staff_roles = ["checker"]  # registered as verifier, but not the lab's recorder
    lab.recorder.save(update_fields=["staff_roles"])
    problems = services.signer_problems(job, lab.recorder, "record", on=WORK_DAY)
    assert any("do not include recorder" in p for p in problems)
    with pytest.raises(ValidationError, match="do not include recorder"):
        services.sign(job, lab.recorder)
    job.refresh_from_db()
    assert job.status == "draft" and job.signatures.count() == 0
    lab.recorder.staff_roles = ["recorder"]
    lab.recorder.save(update_fields=["staff_roles"])
    services.sign(job, lab.recorder)
    lab.checker.staff_roles = ["readonly"]
    lab.checker.save(update_fields=["staff_roles"])
    with pytest.raises(ValidationError, match="do not include checker"):
        services.sign(job, lab.checker)
    # a staff role never replaces the registration: the approver role without a registration
    # valid for approving is still refused by registry.signatories
    lab.people["checker"].roles = ["verifier"]
    lab.people["checker"].save(update_fields=["roles"])
    lab.checker.staff_roles = ["checker"]
    lab.checker.save(update_fields=["staff_roles"])
    with pytest.raises(ValidationError, match="not registered for the role checker"):
        services.sign(job, lab.checker)
