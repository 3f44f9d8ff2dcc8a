"""In Chromium: /api/docs and the home charts with every outside host cut off; pages at a
phone's 390 px width without horizontal scrolling of the body; the menu toggle."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.helpers import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser
PASSWORD = "pw-test-123"
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture
def world_live(transactional_db: Any) -> Any:
    from tests.conftest import make_world

    return make_world()


def _offline(context: Any) -> list[str]:
    """Abort every request to a host other than this machine; return the list of them."""
    outside: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if urlparse(url).scheme in ("http", "https") and urlparse(url).hostname not in LOCAL:
            outside.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", handle)
    return outside


@pytest.fixture
def desktop(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(90_000)
    outside = _offline(context)
    yield context.new_page(), outside
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(90_000)
    outside = _offline(context)
    yield context.new_page(), outside
    context.close()


def test_api_docs_render_with_the_network_cut_off(live_server: Any, desktop: Any) -> None:
    page, outside = desktop
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/api/docs", wait_until="commit")
    page.wait_for_selector("#swagger-ui .info .title")
    page.wait_for_selector("#swagger-ui .opblock")  # the operations, from /api/openapi.json
    assert "jiliang API" in page.inner_text("#swagger-ui .info .title")
    assert page.locator("#swagger-ui .opblock").count() > 20
    shot(page, "home_api_docs_offline")
    assert outside == [] and errors == []


def test_home_charts_are_drawn_offline(live_server: Any, desktop: Any, world_live: Any) -> None:
    page, outside = desktop
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, "reg_zibo", PASSWORD)
    page.wait_for_selector('[data-chart="due"][data-drawn="1"] .main-svg')
    page.wait_for_selector('[data-chart="regions"][data-drawn="1"] .main-svg')
    # plotly drew the bars: the due chart has 13 categories (overdue + 12 months)
    ticks = page.locator('[data-chart="due"] .xtick').count()
    assert ticks == 13
    shot(page, "home_regulator_charts")
    assert outside == [] and errors == []


def _body_fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    body = page.evaluate("document.body.scrollWidth")
    assert width <= 390 and body <= 390, (page.url, width, body)


def test_pages_fit_a_phone_and_the_menu_toggles(
    live_server: Any, phone: Any, world_live: Any
) -> None:
    page, outside = phone
    base, w = live_server.url, world_live
    login(page, base, "market", PASSWORD)
    _body_fits(page)
    # the menu is folded behind the toggle
    assert not page.is_visible("nav.main")
    page.click("#menu-toggle")
    assert page.is_visible("nav.main")
    assert page.get_attribute("#menu-toggle", "aria-expanded") == "true"
    page.click('details[data-group="registry"] > summary')
    page.wait_for_selector(
        'details[data-group="registry"] a[href="/instruments/"]', state="visible"
    )
    _body_fits(page)
    shot(page, "home_phone_menu")
    page.click('details[data-group="registry"] a[href="/instruments/"]')
    page.wait_for_url(f"{base}/instruments/")
    _body_fits(page)
    shot(page, "home_phone_instruments")
    for path in (
        f"/instruments/{w.scale.pk}/",
        f"/certificates/{w.cert_scale.pk}/",
        f"/standards/{w.f1.pk}/",
        "/due/",
        "/search/?q=SCALE",
    ):
        page.goto(base + path)
        _body_fits(page)
    shot(page, "home_phone_search")
    assert outside == []


def test_desktop_dropdowns_open_one_at_a_time(
    live_server: Any, desktop: Any, world_live: Any
) -> None:
    page, _ = desktop
    login(page, live_server.url, "zibo_lab", PASSWORD)
    assert page.is_visible("nav.main") and not page.is_visible("#menu-toggle")
    page.click('details[data-group="registry"] > summary')
    assert page.is_visible('details[data-group="registry"] a[href="/instruments/"]')
    page.click('details[data-group="work"] > summary')
    assert page.is_visible('details[data-group="work"] a[href="/calibration/"]')
    assert not page.is_visible('details[data-group="registry"] a[href="/instruments/"]')
    page.keyboard.press("Escape")
    assert not page.is_visible('details[data-group="work"] a[href="/calibration/"]')
