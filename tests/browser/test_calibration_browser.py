"""End to end in headless Chromium: a scale goes from receipt to an issued, signed PDF through
the three signatures (three logins); a wrong person trying to sign is refused with the reason.
Screenshots go to /tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.calibration.conftest import SCALE_LOADS, WORK_DAY, Lab, make_lab, ready_job

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
SHOTS = Path("/tmp/jiliang-browser")
PASSWORD = "pw-test-123"

pytestmark = pytest.mark.browser


@dataclass
class Setup:
    lab: Lab
    base: str


@pytest.fixture
def setup(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Setup:
    from tests.conftest import make_world

    settings.DATA_DIR = tmp_path / "data"
    return Setup(make_lab(make_world()), live_server.url)


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_receipt_to_issued_pdf_through_three_signatures(setup: Setup, page: Any) -> None:
    base, lab = setup.base, setup.lab
    login(page, base, "zibo_lab")
    page.goto(f"{base}/calibration/")
    page.click("#receive")
    page.fill("input[name=receipt_number]", "ZB-R-2025-0815")
    page.fill("input[name=received_on]", WORK_DAY.isoformat())
    page.select_option("select[name=instrument]", str(lab.world.scale.pk))
    page.select_option("select[name=procedure]", str(lab.procedure.pk))
    page.fill("input[name=accuracy_class]", "III")
    page.fill("input[name=param_Max]", "15000")
    page.fill("input[name=param_e]", "5")
    page.fill("input[name=condition]", "外观完好，封印完整")
    shot(page, "calibration_receive")
    page.click("#receive-submit")
    page.wait_for_selector("#standards")
    assert "ZB-F1-001" in page.inner_text("#standards")
    page.check(f"#std-{lab.world.f1.pk}")
    page.click("#save-standards")
    page.fill("input[name=work_date]", WORK_DAY.isoformat())
    page.fill("input[name=place]", "淄博市计量技术研究院 质量实验室")
    page.fill("input[name=env_temperature]", "20.5")
    page.click("#save-conditions")
    for i, load in enumerate(SCALE_LOADS, start=1):
        page.fill(f"input[name=as_found_{i}_I]", str(load + (1 if i == 3 else 0)))
        page.fill(f"input[name=as_found_{i}_dL]", "2.5")  # change point e/2 (R 76-1 A.4.4.3)
        page.fill(f"input[name=as_found_{i}_mpe_ref]", "0.05")
    page.click("#save-observations")
    page.wait_for_selector("#results .risk")
    assert page.locator("#results tbody tr").count() == 5
    assert "PFA" in page.inner_text("#results")
    assert "合格" in page.inner_text("#conclusion")
    shot(page, "calibration_recorded")
    page.click("#sign")
    assert "待核验" in page.inner_text("#job-status")
    job_url = page.url

    login(page, base, "zibo_checker")
    page.goto(job_url)
    page.click("#sign")
    assert "待批准" in page.inner_text("#job-status")

    login(page, base, "zibo_approver")
    page.goto(job_url)
    shot(page, "calibration_before_approval")
    page.click("#sign")
    page.wait_for_selector("#pdf-link")
    assert "已出证" in page.inner_text("#job-status")
    number = page.inner_text("#certificate strong")
    assert number.endswith("-000001")
    shot(page, "calibration_issued")
    pdf = page.request.get(base + str(page.get_attribute("#pdf-link", "href")))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    signature = page.request.get(f"{base}/calibration/certificates/{number}/pdf.sig")
    assert signature.json()["algorithm"] == "Ed25519"


def test_wrong_person_is_refused(setup: Setup, page: Any) -> None:
    from jiliang.calibration import services

    base, lab = setup.base, setup.lab
    job = ready_job(lab)
    services.sign(job, lab.recorder)
    login(page, base, "zibo_lab")  # the recorder tries to check their own work
    page.goto(f"{base}/calibration/jobs/{job.pk}/")
    assert "three different persons" in page.inner_text("#signer-problems")
    page.click("#sign")
    page.wait_for_selector(".messages")
    assert "three different persons" in page.inner_text(".messages")
    assert "待核验" in page.inner_text("#job-status")
    shot(page, "calibration_wrong_person")
    login(page, base, "sd_lab")  # another institute's staff cannot even open the job
    response = page.goto(f"{base}/calibration/jobs/{job.pk}/")
    assert response is not None and response.status == 404
    job.refresh_from_db()
    assert job.status == "recorded"
    assert job.signatures.count() == 1
