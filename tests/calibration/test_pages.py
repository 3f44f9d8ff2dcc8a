"""Web pages under /calibration/: who may open and post what (lab staff of the job's lab only;
customers get their own certificate files; anyone gets the public keys)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import WORK_DAY, make_job, ready_job

pytestmark = pytest.mark.django_db


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("user", "status"),
    [("zibo_lab", 200), ("reg_zibo", 200), ("sd_lab", 404), ("market", 404), ("reg_bj", 404)],
)
def test_job_page_visibility(lab: Any, user: str, status: int) -> None:
    job = make_job(lab)
    response = _client(lab.world.users[user]).get(f"/calibration/jobs/{job.pk}/")
    assert response.status_code == status
    if status == 200:
        staff = user == "zibo_lab"
        assert (b'id="standards"' in response.content) == staff
        assert (b'id="sign"' in response.content) == staff


def test_anonymous_is_sent_to_login(lab: Any) -> None:
    job = make_job(lab)
    for path in ("/calibration/", f"/calibration/jobs/{job.pk}/", "/calibration/recalls/"):
        response = _client(None).get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_receipt_form_is_for_lab_staff(lab: Any) -> None:
    assert _client(lab.world.users["market"]).get("/calibration/jobs/new/").status_code == 403
    page = _client(lab.recorder).get("/calibration/jobs/new/")
    assert page.status_code == 200
    response = _client(lab.recorder).post(
        "/calibration/jobs/new/",
        {
            "receipt_number": "P-1",
            "received_on": WORK_DAY.isoformat(),
            "instrument": lab.world.scale.pk,
            "procedure": lab.procedure.pk,
            "accuracy_class": "III",
            "param_Max": "15000",
            "param_e": "5",
        },
    )
    assert response.status_code == 302
    bad = _client(lab.recorder).post(
        "/calibration/jobs/new/",
        {"receipt_number": "P-2", "received_on": "yesterday", "instrument": lab.world.scale.pk,
         "procedure": lab.procedure.pk, "accuracy_class": "III"},
    )  # fmt: skip
    assert bad.status_code == 200
    assert b"received_on" in bad.content


def test_posting_to_another_labs_job_changes_nothing(lab: Any) -> None:
    job = ready_job(lab)
    outsider = _client(lab.world.users["sd_lab"])
    assert outsider.post(f"/calibration/jobs/{job.pk}/sign/").status_code == 404
    regulator = _client(lab.world.users["reg_zibo"])  # sees the job, may not act on it
    regulator.post(f"/calibration/jobs/{job.pk}/sign/")
    regulator.post(f"/calibration/jobs/{job.pk}/standards/", {"standards": [lab.world.f1.pk]})
    job.refresh_from_db()
    assert job.status == "draft" and not job.signatures.exists()


def test_sign_through_the_pages_and_download(lab: Any) -> None:
    job = ready_job(lab)
    for user in (lab.recorder, lab.checker, lab.approver):
        _client(user).post(f"/calibration/jobs/{job.pk}/sign/")
    job.refresh_from_db()
    number = job.certificate.number
    pdf = _client(lab.world.users["market"]).get(f"/calibration/certificates/{number}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    dcc = _client(lab.recorder).get(f"/calibration/certificates/{number}/dcc")
    assert dcc.status_code == 200
    assert (
        _client(lab.world.users["taxi"]).get(f"/calibration/certificates/{number}/pdf").status_code
        == 404
    )
    keys = _client(None).get("/calibration/keys/")
    assert keys.status_code == 200 and b"BEGIN PUBLIC KEY" in keys.content
    pem = _client(None).get(f"/calibration/keys/{lab.world.city.pk}.pem")
    assert pem.status_code == 200


def test_procedure_page_and_upload(lab: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = _client(lab.recorder).get("/calibration/procedures/")
    assert page.status_code == 200 and b"JJG 99-2022" in page.content
    text = lab.procedure.source_text.replace("code: JJG 539-2016", "code: ZB-PAGE-1")
    _client(lab.recorder).post(
        "/calibration/procedures/", {"file": SimpleUploadedFile("p.yaml", text.encode())}
    )
    assert b"ZB-PAGE-1" in _client(lab.recorder).get("/calibration/procedures/").content
    _client(lab.world.users["market"]).post("/calibration/procedures/", {"text": text.replace(
        "ZB-PAGE-1", "MARKET-1")})  # fmt: skip
    assert b"MARKET-1" not in _client(lab.recorder).get("/calibration/procedures/").content


def test_recall_pages(lab: Any) -> None:
    staff = _client(lab.recorder)
    response = staff.post(
        "/calibration/recalls/",
        {"standard": lab.world.f1.pk, "since": "2026-01-10", "reason": "drift"},
    )
    assert response.status_code == 302
    detail = staff.get(response["Location"])
    assert b"ZB-2025-0001" in detail.content
    assert _client(lab.world.users["market"]).get(response["Location"]).status_code == 404
