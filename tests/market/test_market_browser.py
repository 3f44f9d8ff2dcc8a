"""Issue 15 "done when", end to end in headless Chromium at phone width (390 px): an inspector
opens an assigned premises, records a failed scale with a photo and issues a rectification
notice; the regulator sees the finding, opens a case and closes the campaign; the public
page shows the results. Screenshots go to /tmp/jiliang-browser (outside the repository)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
PASSWORD = "pw-test-123"


def _png() -> bytes:
    """A real 1x1 red PNG (signature, IHDR, IDAT, IEND), so the page can show it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def drawn(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Any:
    from jiliang.market import services
    from jiliang.market.models import Premises
    from tests.conftest import make_world

    settings.DATA_DIR = tmp_path / "data"
    world = make_world()
    market = Premises.objects.create(
        code="ZB-M01",
        name="淄博鑫源农贸市场",
        kind="market",
        owner=world.market,
        division_code="370303",
    )
    market.instruments.add(world.scale)
    campaign = services.plan_campaign(
        world.users["reg_zibo"],
        code="ZB-2026-01",
        title="农贸市场计量专项检查",
        region="3703",
        premises_kind="market",
        starts_on=dt.date.today(),
        ends_on=dt.date.today() + dt.timedelta(days=30),
        premises_count=1,
    )
    return services.draw_campaign(world.users["reg_zibo"], campaign, seed="browser-seed")


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"page body scrolls sideways: {width}px"


def test_inspection_case_close_publish_at_phone_width(
    drawn: Any, live_server: Any, phone: Any, tmp_path: Path
) -> None:
    base = live_server.url
    page = phone
    inspection = drawn.inspections.get()
    # the draw has one inspector in the regulator: reg_zibo both inspects and runs
    inspector = inspection.inspector.username
    login(page, base, inspector, PASSWORD)
    page.goto(f"{base}/market/")
    page.click("#my-inspections a")
    assert "SCALE-0001" in page.inner_text("#instruments")
    # its certificate ran 2025-09-01 .. 2026-08-31 (tests/conftest.py): overdue since
    assert "超期" in page.inner_text("#instruments")
    _no_horizontal_scroll(page)
    photo = tmp_path / "scale.png"
    photo.write_bytes(_png())
    page.select_option(
        "#finding-form select[name=instrument]", label="SCALE-0001 电子计价秤 Retail scale"
    )
    page.select_option("#finding-form select[name=kind]", "failed")
    page.fill("#finding-form textarea[name=note]", "称量误差超出最大允许误差")
    page.set_input_files("#finding-form input[name=photo]", str(photo))
    page.click("#finding-form button")
    page.wait_for_selector("#findings img.finding-photo")
    page.wait_for_function(
        "document.querySelector('#findings img.finding-photo').naturalWidth === 1"
    )
    assert "现场检查不合格" in page.inner_text("#findings")
    page.fill("#notice-form textarea[name=requirements]", "停止使用并送检")
    page.click("#notice-form button")
    page.wait_for_selector("#notices .instrument-card")
    assert "ZB-2026-01-ZG001" in page.inner_text("#notices")
    _no_horizontal_scroll(page)
    shot(page, "market_inspection_phone")

    login(page, base, "reg_zibo", PASSWORD)
    page.goto(f"{base}/market/campaigns/{drawn.pk}/")
    assert "现场检查不合格" in page.inner_text(f"#inspection-{inspection.pk}")
    page.click(".case-form button")
    page.wait_for_selector("#case-state")
    assert "已立案" in page.inner_text("#case-state")
    page.goto(f"{base}/market/campaigns/{drawn.pk}/")
    page.click("#close button")
    page.wait_for_selector("#campaign-state")
    assert "已结束" in page.inner_text("#campaign-state")
    _no_horizontal_scroll(page)

    page.context.clear_cookies()
    page.goto(f"{base}/market/public/")
    page.click("#published a")
    text = page.inner_text("#results")
    assert "淄博鑫源农贸市场" in text and "failed × 1" in text
    assert inspector not in page.content()
    _no_horizontal_scroll(page)
    shot(page, "market_public_phone")
