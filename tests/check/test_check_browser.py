"""The check page on a phone (390 px wide, headless Chromium): the QR code's URL opens the
answer, the form checks by number and code, a tampered PDF is refused with the reason, and
the page body never scrolls sideways. Screenshots go to /tmp/jiliang-browser."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.calibration.conftest import make_lab, ready_job
from tests.check.conftest import pdf_urls

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/jiliang-browser")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def issued_live(transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path) -> Any:
    """Issued outside a test transaction, so the ledger's on-commit append really runs."""
    from jiliang.calibration import services
    from jiliang.calibration.models import IssuedDocument
    from tests.conftest import make_world

    settings.DATA_DIR = tmp_path / "data"
    settings.SITE_URL = live_server.url
    lab = make_lab(make_world())
    own = b"%PDF-1.7 certificate SD-2025-0001 of the F1 weights"
    IssuedDocument.objects.create(
        certificate=lab.world.cert_f1,
        format="pdf",
        content=own,
        sha256=hashlib.sha256(own).hexdigest(),
        signature="{}",
    )
    job = ready_job(lab)
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    return job.certificate


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body, body *')].filter(e => e.scrollWidth > e.clientWidth + 1)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '/' + "
        "e.clientWidth)"
    )
    assert width <= PHONE["width"], (width, wide, page.evaluate("window.innerWidth"))


def test_phone_scans_the_qr_code_checks_by_code_and_uploads(
    issued_live: Any, phone: Any, tmp_path: Path, live_server: Any
) -> None:
    from jiliang.calibration.models import IssuedDocument

    data = bytes(IssuedDocument.objects.get(certificate=issued_live, format="pdf").content)
    (url,) = {u for u in pdf_urls(data, tmp_path) if "/check/" in u}
    assert url.startswith(live_server.url + "/check/?number=")
    phone.goto(url)  # what the phone's camera app opens
    assert phone.locator("#check-state").inner_text().startswith("有效")
    assert "Verified" in phone.locator("#check-log").inner_text()
    assert phone.locator("#cert-number").inner_text() == issued_live.number
    _no_sideways_scroll(phone)
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "check-phone.png"), full_page=True)

    code = url.rsplit("code=", 1)[1]
    phone.goto(f"{live_server.url}/")
    # the menu entry for anonymous visitors: at phone width behind the toggle, in "public"
    assert not phone.is_visible("nav.main")
    phone.click("#menu-toggle")
    phone.click('details[data-group="public"] > summary')
    phone.click('details[data-group="public"] a[href="/check/"]')
    phone.wait_for_url(f"{live_server.url}/check/")
    phone.fill("input[name=number]", issued_live.number)
    phone.fill("input[name=code]", code.lower())
    phone.click("form.lookup button")
    assert phone.locator("#cert-number").inner_text() == issued_live.number
    phone.fill("input[name=code]", "AAAAAAAA")
    phone.click("form.lookup button")
    assert "No certificate matches" in phone.locator("#check-error").inner_text()
    _no_sideways_scroll(phone)

    tampered = bytearray(data)
    tampered[10] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(tampered))
    phone.set_input_files("input[name=file]", str(path))
    phone.click("form[enctype] button")
    assert phone.locator("#file-refused").is_visible()
    assert "first difference at byte 10" in phone.locator("#file-verdict").inner_text()
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "check-phone-refused.png"), full_page=True)
