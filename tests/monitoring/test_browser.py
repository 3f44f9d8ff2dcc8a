"""Browser: the energy user's and the regulator's dashboards on the demo, desktop and phone
(Chromium through Playwright against live_server; the shared session `browser` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.helpers import login, shot


@pytest.fixture
def demo(transactional_db: Any, energy_root: Any) -> Any:
    from jiliang.monitoring.demo import build_monitoring_demo
    from jiliang.registry.demo import build_demo

    summary = build_demo()
    build_monitoring_demo(summary)
    return summary


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_energy_user_and_regulator_dashboards(live_server: Any, demo: Any, page: Any) -> None:
    base = live_server.url
    login(page, base, "energy_steel", demo.password)
    page.goto(f"{base}/energy/")
    page.wait_for_url(f"{base}/energy/users/NM-STEEL-01/")
    assert page.locator("#energy-tce").inner_text().strip() != ""
    for chart in ("chart-load", "chart-daily", "chart-tce"):
        page.wait_for_selector(f"#{chart}[data-drawn='1']")
    shot(page, "energy-user")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#chart-daily[data-drawn='1']")
    assert _no_sideways_scroll(page)
    shot(page, "energy-user-phone")

    login(page, base, "regulator_nm", demo.password)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/energy/region/")
    rows = page.locator("#energy-region tbody tr")
    assert rows.count() == 2  # the two Inner Mongolia plants; Zibo's is not in the region
    assert "乌海蒙西水泥有限公司" in page.locator("#energy-alerts").inner_text()  # stopped
    page.wait_for_selector("#chart-rank[data-drawn='1']")
    shot(page, "energy-region")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert _no_sideways_scroll(page)
