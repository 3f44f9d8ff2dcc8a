"""A comparison campaign in headless Chromium, from invitation to report: participant A
submits, participant B cannot see A's value before the deadline, the pilot closes after the
deadline and downloads the PDF report. Screenshots go to /tmp/jiliang-browser."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path("/tmp/jiliang-browser")
PASSWORD = "pw-test-123"
A_VALUE, A_U = "123.456", "0.21"
B_VALUE, B_U = "123.987", "0.35"

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"comparison-{name}.png"), full_page=True)


@pytest.fixture
def campaign(transactional_db: Any) -> Any:
    from jiliang.accounts.models import User
    from jiliang.comparisons import services
    from jiliang.registry.models import Institution
    from tests.conftest import make_world, uscc

    world = make_world()
    centre = Institution.objects.create(
        name_zh="华东国家计量测试中心",
        name_en="East China National Metrology Test Centre",
        kind="regional_centre",
        division_code="310000",
        uscc=uscc("12310000400000080"),
    )
    pilot = User.objects.create_user("centre", password=PASSWORD, institution=centre, role="centre")
    campaign = services.create_campaign(
        pilot,
        code="EC-L-2026-02",
        title="量块比对 Gauge block comparison",
        measurand="length of a 100 mm gauge block, deviation",
        unit="nm",
        method="weighted-mean",
        deadline=timezone.now() + dt.timedelta(days=10),
    )
    today = timezone.localdate()
    services.invite(
        pilot,
        campaign,
        world.province,
        ship_date=today,
        receive_date=today + dt.timedelta(days=1),
        measure_from=today + dt.timedelta(days=2),
        measure_until=today + dt.timedelta(days=4),
    )
    services.invite(pilot, campaign, world.city)
    return campaign


def test_campaign_from_invitation_to_report(live_server, campaign, page) -> None:
    base = live_server.url
    detail = f"{base}/comparisons/{campaign.pk}/"

    # participant A (Shandong institute) accepts the invitation and submits
    login(page, base, "sd_lab")
    page.goto(f"{base}/comparisons/")
    page.get_by_role("link", name="EC-L-2026-02").click()
    page.click("#accept")
    assert "已接受" in page.inner_text("#entry-state")  # the Chinese page by default
    page.click("#submit-link")
    page.fill("#value", A_VALUE)
    page.fill("#u", A_U)
    shot(page, "a-submit")
    page.click("#seal")
    page.wait_for_url(detail)
    assert A_VALUE in page.inner_text("#own-result")
    shot(page, "a-sealed")

    # participant B (Zibo institute) sees the campaign but not A's value
    login(page, base, "zibo_lab")
    page.goto(detail)
    assert A_VALUE not in page.content()
    assert "密封至截止" in page.inner_text("#submissions")
    api = page.request.get(f"{base}/api/comparisons/campaigns/{campaign.pk}/submissions")
    assert api.ok and api.json() == []
    page.click("#accept")
    page.click("#submit-link")
    page.fill("#value", B_VALUE)
    page.fill("#u", B_U)
    page.click("#seal")
    page.wait_for_url(detail)
    assert A_VALUE not in page.content()
    assert page.request.get(f"{base}/comparisons/{campaign.pk}/results/").status == 404
    shot(page, "b-sealed")

    # the pilot sees nothing before the deadline and cannot close
    login(page, base, "centre")
    page.goto(detail)
    assert A_VALUE not in page.content() and B_VALUE not in page.content()
    assert page.locator("#close").count() == 0
    shot(page, "pilot-before-deadline")

    # the deadline passes: the pilot sees both, closes, reads results and the report
    from jiliang.comparisons.models import Campaign

    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    page.goto(detail)
    table = page.inner_text("#submissions")
    assert A_VALUE in table and B_VALUE in table
    page.click("#close")
    page.wait_for_url(detail)
    assert "已结束" in page.inner_text("#status")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.reload()
    assert "Closed" in page.inner_text("#status")  # and in English through the cookie
    page.context.clear_cookies(name="django_language")
    page.reload()
    page.click("#results-link")
    page.wait_for_selector("#doe")
    assert "E" in page.inner_text("#doe")
    shot(page, "pilot-results")
    with page.expect_download() as info:
        page.click("#report-pdf")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # now participant B sees A's value in the results
    login(page, base, "zibo_lab")
    page.goto(f"{base}/comparisons/{campaign.pk}/results/")
    assert A_VALUE in page.inner_text("#doe")
    shot(page, "b-results")
