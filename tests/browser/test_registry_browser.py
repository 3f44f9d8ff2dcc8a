"""End to end in headless Chromium: log in, open an instrument, follow its traceability chain
up to the national primary standard, open a standard's trace-down page; and a broken chain
shows its reason. Screenshots go to /tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SHOTS = Path("/tmp/jiliang-browser")
PASSWORD = "pw-test-123"  # set by tests/conftest.py make_world()

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_instrument_chain_up_to_primary_and_trace_down(live_server, world, page) -> None:
    base = live_server.url
    login(page, base, "market")
    shot(page, "home")
    page.goto(f"{base}/instruments/")
    page.click("text=电子计价秤 Retail scale")
    assert "SCALE-0001" in page.inner_text("h1")
    shot(page, "instrument")
    page.click("#trace-up-link")
    chain = page.inner_text("#chain")
    # Scale ← ZB-2025-0001 (F1 weights) ← SD-2025-0001 (E2 weights) ← NIM-2025-0001 ← primary
    for number in ("ZB-2025-0001", "SD-2025-0001", "NIM-2025-0001", "GJJ(力)0101"):
        assert number in chain
    assert "国家计量基准" in page.inner_text("#verdict")
    shot(page, "trace_up")

    page.goto(f"{base}/accounts/login/")  # a laboratory sees the standards' dependants
    page.context.clear_cookies()
    login(page, base, "zibo_lab")
    page.goto(f"{base}/standards/")
    page.click("text=ZB-F1-001")
    shot(page, "standard")
    page.click("text=向下追踪")
    assert "ZB-2025-0001" in page.inner_text("main")
    shot(page, "trace_down")


def test_broken_chain_shows_its_reason(live_server, world, page) -> None:
    base = live_server.url
    login(page, base, "taxi")
    page.goto(f"{base}/instruments/{world.taxi_meter.pk}/trace-up/")
    verdict = page.inner_text("#verdict")
    assert "missing link: no certificate for TAXI-0001" in verdict
    assert page.locator("#chain li.problem").count() >= 1
    shot(page, "broken_chain")
