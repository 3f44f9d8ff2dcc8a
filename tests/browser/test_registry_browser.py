"""End to end in headless Chromium: log in, open an instrument, follow its traceability chain
up to the national primary standard, open a standard's trace-down page; and a broken chain
shows its reason. Screenshots go to /tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

import pytest

from jiliang.registry.models import Certificate, MeasurementStandard
from tests.browser.helpers import login, shot

pytestmark = pytest.mark.browser


def test_instrument_chain_up_to_primary_and_trace_down(live_server, scenario, page) -> None:
    base, s = live_server.url, scenario
    login(page, base, s.owner, s.password)
    assert page.locator(".tile").count() >= 5
    shot(page, "home")
    page.goto(f"{base}/instruments/{s.instrument_id}/")
    shot(page, "instrument")
    page.click("#trace-up-link")
    page.wait_for_selector("#chain")
    assert s.primary_code in page.inner_text("#chain")
    assert s.primary_code in page.inner_text("#verdict .terminals")
    assert page.locator("#chain .node.terminal").count() >= 1
    shot(page, "trace_up")

    login(page, base, s.lab, s.password)
    page.goto(f"{base}/standards/?q={s.standard_code}")
    page.get_by_role("link", name=s.standard_code, exact=True).click()
    shot(page, "standard")
    page.click("text=向下追踪")
    page.wait_for_selector("#certificate-count")
    standard = MeasurementStandard.objects.get(code=s.standard_code)
    newest = (
        Certificate.objects.filter(standards_used=standard)
        .order_by("-calibration_date", "-id")
        .first()
    )
    assert newest.number in page.inner_text("main")
    assert int(page.inner_text("#certificate-count")) >= 1
    shot(page, "trace_down")


def test_broken_chain_shows_its_reason(live_server, scenario, page) -> None:
    base, s = live_server.url, scenario
    login(page, base, s.broken_user, s.password)
    page.goto(f"{base}/instruments/{s.broken_instrument_id}/trace-up/")
    verdict = page.inner_text("#verdict")
    assert "溯源链存在问题" in verdict and "The chain is broken" in verdict
    problems = page.locator("#verdict li.problem")
    assert problems.count() >= 1
    # every problem names its kind and its reason, e.g. "证书过期 certificate expired: …"
    reason = problems.first.inner_text()
    assert ":" in reason and len(reason.split(":", 1)[1].strip()) > 10
    assert page.locator("#chain .node.broken").count() >= 1
    shot(page, "broken_chain")


def test_import_page_shows_problems_then_imports_the_fixed_file(
    live_server, scenario, page, tmp_path
) -> None:
    """An owner uploads scales with one bad row: the table names it and nothing is written;
    the fixed file is imported and its instruments are in the list."""
    from jiliang.registry.models import Institution, Instrument

    base, s = live_server.url, scenario
    owner = Institution.objects.get(users__username=s.owner)
    header = "owner_uscc,name,serial_number,division_code,use_area\n"
    good = f"{owner.uscc},电子计价秤 Price scale,BROWSER-1,370303,trade\n"
    bad = tmp_path / "scales.csv"
    bad.write_text(header + good + f"{owner.uscc},电子计价秤,BROWSER-2,37030X,trade\n")
    fixed = tmp_path / "scales-fixed.csv"
    fixed.write_text(header + good + f"{owner.uscc},电子计价秤,BROWSER-2,370303,trade\n")

    login(page, base, s.owner, s.password)
    page.click('nav.main details[data-group="work"] > summary')  # the grouped menu (navigation.py)
    page.click('nav.main a[href="/import/"]')
    page.select_option("#id_kind", "instruments")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-submit")
    page.wait_for_selector("#import-problems")
    problem = page.inner_text("#import-problem-table tbody")
    assert "scales.csv\t3\tdivision_code" in problem
    shot(page, "import_problems")
    assert not Instrument.objects.filter(serial_number__startswith="BROWSER-").exists()

    page.select_option("#id_kind", "instruments")
    page.set_input_files("#id_file", str(fixed))
    page.click("#import-submit")
    page.wait_for_selector("#import-result")
    shot(page, "import_done")
    page.click("#import-result a")
    page.wait_for_url(f"{base}/instruments/**")
    assert Instrument.objects.filter(serial_number__startswith="BROWSER-").count() == 2
