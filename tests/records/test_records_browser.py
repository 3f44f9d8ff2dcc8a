"""Issue 13 "Done when", first half, in headless Chromium with a printed demo login: the
city laboratory records a new customer (region chosen with the picker by typing its name)
and registers the customer's instrument (range typed with units), at desktop width and at
390 px without horizontal scrolling. Screenshots go to /tmp/jiliang-browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.helpers import login, shot
from tests.conftest import uscc

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
CUSTOMER_USCC = uscc("91370303MA3C00009")


@pytest.fixture
def demo(transactional_db: Any, live_server: Any) -> Any:
    from jiliang.registry.demo import build_demo

    return build_demo()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def pick(page: Any, selector: str, typed: str, expected_value: str) -> None:
    """Type into a picker, wait for its list, choose with the keyboard."""
    page.fill(selector, "")
    page.type(selector, typed, delay=30)
    listbox = page.locator(f"{selector} ~ ul[role=listbox]")
    listbox.locator(f"li[data-value='{expected_value}']").wait_for()
    while page.get_attribute(selector, "aria-activedescendant") != listbox.locator(
        f"li[data-value='{expected_value}']"
    ).get_attribute("id"):
        page.press(selector, "ArrowDown")
    page.press(selector, "Enter")
    assert page.input_value(selector) == expected_value


def no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_lab_records_customer_and_instrument_with_pickers(
    demo: Any, live_server: Any, page: Any
) -> None:
    from jiliang.registry.models import Institution, Instrument

    base = live_server.url
    assert "zibo_lab" in {entry.username for entry in demo.logins}
    login(page, base, "zibo_lab", demo.password)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/records/customers/new/")
        if width == 390:
            no_horizontal_scroll(page)
            break
    page.fill("#id_name", "张店精密仪器有限公司")
    page.fill("#id_uscc", CUSTOMER_USCC)
    pick(page, "#id_division_code", "张店", "370303")
    assert "山东省 淄博市 张店区" in page.inner_text("#id_division_code-picked")
    page.fill("#id_address", "淄博市张店区人民路1号")
    shot(page, "records-customer-390")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/records/instruments/new/?owner={CUSTOMER_USCC}")
    no_horizontal_scroll(page)
    assert page.input_value("#id_owner") == CUSTOMER_USCC
    page.fill("#id_name", "电子台秤")
    page.fill("#id_serial_number", "ZD-2026-001")
    pick(page, "#id_division_code", "张店", "370303")
    page.select_option("#id_quantity", "mass")
    page.select_option("#id_use_area", "trade")
    page.fill("#id_unit", "kg")
    assert page.inner_text("[data-unit-of=range_max]") == "kg"  # the unit shows beside
    page.fill("#id_range_min", "40 g")
    page.fill("#id_range_max", "15 g")  # a slip: refused with a message, nothing saved
    page.click("button[type=submit]")
    assert "上限不能低于下限" in page.inner_text("form.record-form")
    assert not Instrument.objects.filter(serial_number="ZD-2026-001").exists()
    page.fill("#id_range_max", "15 kg")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/instruments/*/")
    no_horizontal_scroll(page)
    shot(page, "records-instrument-390")
    instrument = Instrument.objects.get(serial_number="ZD-2026-001")
    assert instrument.owner == Institution.objects.get(uscc=CUSTOMER_USCC)
    assert (instrument.range_min, instrument.range_max) == (0.04, 15.0)  # 40 g = 0.04 kg
    assert "ZD-2026-001" in page.inner_text("h1")
    # the instrument picker finds it for the lab, by serial prefix
    page.set_viewport_size({"width": 1280, "height": 900})
    found = page.evaluate("fetch('/api/pick/instruments?q=ZD-2026').then(r => r.json())")
    assert [row["label"] for row in found] == ["ZD-2026-001 电子台秤"]
