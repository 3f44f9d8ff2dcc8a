"""Issue 13 §2–3 end to end in headless Chromium, with the printed demo logins only: three
people of the city lab sign a demo job and the certificate is issued; the owner follows the
job and downloads the PDF from the certificate page; the lab's manager adds a checker (who
accepts the invitation) and deactivates a person who left.
Screenshots go to /tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Any:
    from jiliang.calibration.demo import build_calibration_demo
    from jiliang.registry.demo import build_demo

    settings.DATA_DIR = tmp_path / "data"
    summary = build_demo()
    build_calibration_demo(summary)
    return summary


def test_three_demo_logins_sign_and_the_owner_downloads(
    demo: Any, live_server: Any, page: Any
) -> None:
    from jiliang.calibration.models import Job

    base, password = live_server.url, demo.password
    printed = {login.username for login in demo.logins}
    assert {"zibo_recorder", "zibo_checker", "zibo_lab", "market"} <= printed
    job = Job.objects.get(receipt_number=f"ZB-R-{demo.today.year}-0003")
    job_url = f"{base}/calibration/jobs/{job.pk}/"

    login(page, base, "zibo_recorder", password)
    page.goto(job_url)
    page.click("#sign")
    assert "待核验" in page.inner_text("#job-status")
    login(page, base, "zibo_checker", password)
    page.goto(job_url)
    page.click("#sign")
    assert "待批准" in page.inner_text("#job-status")
    login(page, base, "zibo_lab", password)
    page.goto(job_url)
    page.click("#sign")
    page.wait_for_selector("#pdf-link")
    number = page.inner_text("#certificate strong")
    shot(page, "staff_issued")

    login(page, base, "market", password)
    page.goto(f"{base}/my/jobs/")
    row = page.locator("#my-jobs tr", has_text=job.receipt_number)
    assert "已出证" in row.inner_text() and number in row.inner_text()
    assert "ZB-R-" in page.inner_text("#my-jobs")
    shot(page, "staff_my_jobs")
    job.refresh_from_db()
    page.goto(f"{base}/certificates/{job.certificate_id}/")
    href = page.get_attribute("#pdf-download", "href")
    pdf = page.request.get(base + str(href))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    dcc = page.request.get(base + str(page.get_attribute("#dcc-download", "href")))
    assert dcc.ok and b"digitalCalibrationCertificate" in dcc.body()
    assert page.request.get(job_url).status in (403, 404)  # the job page stays the lab's


def test_manager_adds_a_checker_and_deactivates_a_person(
    demo: Any, live_server: Any, page: Any
) -> None:
    from jiliang.accounts.models import User
    from jiliang.registry.models import Person

    base, password = live_server.url, demo.password
    manager = User.objects.get(username="zibo_lab")
    free = Person.objects.filter(institution=manager.institution, user__isnull=True).order_by("id")
    person = next(p for p in free if "checker" in p.roles and p.valid_until >= demo.today)

    login(page, base, "zibo_lab", password)
    page.goto(f"{base}/staff/")
    page.fill("#id_username", "zibo_checker2")
    page.fill("#id_display_name", "新核验员 New checker")
    page.check("input[name=roles][value=checker]")
    page.select_option("#id_person", str(person.pk))
    page.click("#new-staff button[type=submit]")
    invitation = page.inner_text("#invitation-url").strip()
    assert "zibo_checker2" in page.inner_text("#staff")
    shot(page, "staff_added")

    leaver = User.objects.get(username="zibo_recorder")
    page.click("#staff tr[data-username=zibo_recorder] a")
    page.uncheck("#id_active")
    page.click("#edit-staff button[name=save]")
    page.goto(f"{base}/staff/")
    assert "已停用" in page.inner_text("#staff tr[data-username=zibo_recorder]")
    leaver.refresh_from_db()
    assert not leaver.is_active

    page.context.clear_cookies()
    page.goto(invitation)
    page.fill("#id_password1", "Tall-ladder-4821")
    page.fill("#id_password2", "Tall-ladder-4821")
    page.click("#accept button[type=submit]")
    login(page, base, "zibo_checker2", "Tall-ladder-4821")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "zibo_recorder")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    assert page.url.startswith(f"{base}/accounts/login/")  # who left cannot log in
