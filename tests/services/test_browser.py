"""Issue 16 §1 end to end in headless Chromium with the printed demo logins: the Xinyuan
market files two scales by the Excel template and books their verification; the Zibo
institute applies for the examination of its new M2 standard, is asked for a correction
(once, with the full list), resubmits, and the Zibo regulator accepts, assigns examiners,
records the result and approves; the examination certificate is then on the standard's
page and the interlock (registry.services) accepts the standard. Screenshots go to
/tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(90_000)  # the machine may be busy
    yield context.new_page()
    context.close()


@pytest.fixture
def demo(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Any:
    from jiliang.registry.demo import build_demo
    from jiliang.services.demo import build_services_demo

    settings.DATA_DIR = tmp_path / "data"
    summary = build_demo()
    build_services_demo(summary)
    return summary


def _workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "serial_number", "category", "use_area", "division_code", "location"])
    sheet.append(["电子计价秤", "BROWSER-001", "C01", "trade", "370303", "1号摊位"])
    sheet.append(["电子计价秤", "BROWSER-002", "C01", "trade", "370303", "2号摊位"])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _fits_phone(page: Any, url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


def test_filing_and_standard_examination(
    demo: Any, live_server: Any, page: Any, tmp_path: Path
) -> None:
    from jiliang.registry.models import ExaminationCertificate, Institution, MeasurementStandard
    from jiliang.registry.services import selectable_standards, standard_problems
    from jiliang.services.models import FilingEntry

    base, password = live_server.url, demo.password
    printed = {login.username for login in demo.logins}
    assert {"market", "zibo_lab", "regulator_zibo"} <= printed
    today = dt.date.today()
    city = Institution.objects.get(name_zh="淄博市计量技术研究院")

    # -- an enterprise files two instruments by Excel and books their verification --------
    login(page, base, "market", password)
    page.goto(f"{base}/services/filing/")
    with page.expect_download() as download:
        page.click("#template")
    assert download.value.suggested_filename == "filing-template.xlsx"
    page.set_input_files("#filing-file", str(_workbook(tmp_path / "scales.xlsx")))
    page.click("#upload")
    page.wait_for_selector("#filed-BROWSER-002")
    day = (today + dt.timedelta(days=5)).isoformat()
    for serial in ("BROWSER-001", "BROWSER-002"):
        row = page.locator(f"#filed-{serial}")
        row.locator("select[name=lab]").select_option(str(city.pk))
        row.locator("input[name=day]").fill(day)
        row.locator("button.book").click()
        page.wait_for_selector(f"#filed-{serial} td.state-booked")
    shot(page, "services-filing")
    booked = FilingEntry.objects.filter(instrument__serial_number__startswith="BROWSER-")
    assert (
        sorted((e.booked_lab_id, e.booked_for) for e in booked)
        == [(city.pk, today + dt.timedelta(days=5))] * 2
    )
    _fits_phone(page, f"{base}/services/filing/")

    # -- a laboratory applies for the examination of its new standard ----------------------
    standard = MeasurementStandard.objects.get(code="ZBJL-M-M2-NEW")
    assert any("examination certificate" in p for p in standard_problems(standard, today))
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% browser test\n")
    login(page, base, "zibo_lab", password)
    _fits_phone(page, f"{base}/services/")
    _fits_phone(page, f"{base}/services/apply/standard_exam_new/")
    page.goto(f"{base}/services/apply/standard_exam_new/")
    page.select_option("#standard_id", str(standard.pk))
    for key in ("application", "technical_report", "equipment_certificates", "staff"):
        page.set_input_files(f"#m_{key}", str(pdf))
    page.click("#submit")
    page.wait_for_selector("#state")
    case_url = page.url
    assert "已提交" in page.inner_text("#state")

    # -- the regulator asks for corrections, once, with the full list ----------------------
    login(page, base, "regulator_zibo", password)
    page.goto(case_url)
    page.fill("#items", "补充重复性试验记录\n补充稳定性考核记录")
    page.click("#request-correction")
    page.wait_for_selector("#correction")
    assert "待补正" in page.inner_text("#state")
    assert page.locator("#request-correction").count() == 0  # once only

    # -- the laboratory resubmits ------------------------------------------------------------
    login(page, base, "zibo_lab", password)
    page.goto(case_url)
    page.set_input_files("#r_repeatability", str(pdf))
    page.set_input_files("#r_stability", str(pdf))
    page.fill("#resubmit-note", "已按告知补正")
    page.click("#resubmit")
    page.wait_for_selector("#state")
    assert "已提交" in page.inner_text("#state")

    # -- the regulator accepts, assigns examiners, records the result and approves ---------
    login(page, base, "regulator_zibo", password)
    _fits_phone(page, f"{base}/services/queue/")
    page.goto(case_url)
    page.click("#accept")
    page.wait_for_selector("#remaining")
    page.fill("#examiners", "张考评, 刘考评")
    page.click("#assign")
    page.select_option("#passed", "yes")
    page.fill("#result-note", "考核合格")
    page.click("#record-result")
    page.click("#approve")
    page.wait_for_selector("#granted")
    assert "已批准" in page.inner_text("#state")
    number = page.inner_text("#granted").split(" ")[0].strip()
    shot(page, "services-case")
    _fits_phone(page, case_url)

    # -- the certificate is on the standard's page and the interlock accepts it ------------
    exam = ExaminationCertificate.objects.get(standard=standard)
    assert exam.number == number and exam.issued_on == today
    page.goto(case_url)
    href = page.get_attribute("#standard-link", "href")
    assert href is not None and href.rstrip("/").endswith(f"/standards/{standard.pk}")
    page.goto(f"{base}{href}")
    assert number in page.content()
    shot(page, "services-standard")
    assert standard_problems(standard, today) == []
    ((chosen, reasons),) = selectable_standards(
        on=today, queryset=MeasurementStandard.objects.filter(pk=standard.pk)
    )
    assert chosen == standard and reasons == []
