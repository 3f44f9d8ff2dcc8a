"""Switching the language in the browser: the header's EN button turns menus and page English.

Headless Chromium through Playwright against live_server; the demo's registry is enough for
the menus to be full.  Screenshots go to /tmp/jiliang-browser (outside the repository).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Any:
    from jiliang.registry.demo import build_demo

    settings.DATA_DIR = tmp_path / "data"
    return build_demo()


def test_switching_to_english_shows_english_menus(demo: Any, live_server: Any, page: Any) -> None:
    from tests.browser.helpers import login, shot

    base = live_server.url
    login(page, base, "market", demo.password)
    page.goto(f"{base}/check/")
    # Chinese first: the browser asks for zh-CN and the site's language is zh-hans
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").first.inner_text() == "证书查验"
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "Certificate check"
    # every menu entry of the header is English now; only the switch back says 中文
    header = page.locator("header").first
    for link in header.locator("nav a, nav summary, nav button").all():
        text = link.inner_text().strip()
        assert not CJK.search(text), f"menu entry still Chinese: {text!r}"
    assert "Log out" in header.inner_text()
    shot(page, "i18n-english-menus")
    # and back
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "证书查验"
