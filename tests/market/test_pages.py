"""Pages: who may open what, photos only to the authorised, the complaint form's bounds and
rate limit, the prepack form with the scale interlock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiliang.market import services
from jiliang.market.models import Complaint, PrepackInspection
from tests.market.conftest import Market

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _drawn(m: Market) -> Any:
    reg = m.world.users["reg_zibo"]
    c = services.plan_campaign(
        reg,
        code="ZB-P-1",
        title="t",
        region="3703",
        premises_kind="market",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 2),
        premises_count=6,
        inspectors_count=1,
    )
    c = services.draw_campaign(reg, c, seed="pages")
    return c.inspections.get(premises=m.markets[0])


def test_public_pages_open_private_pages_need_login(market: Market) -> None:
    anon = Client()
    for path in ("/market/public/", "/market/public/model-units/", "/market/public/complaint/"):
        assert anon.get(path).status_code == 200, path
    for path in ("/market/", "/market/prepack/", "/market/risk/"):
        assert anon.get(path).status_code == 302, path


def test_inspection_page_photo_and_access(market: Market) -> None:
    insp = _drawn(market)
    inspector = _client(insp.inspector)
    page = inspector.get(f"/market/inspections/{insp.pk}/")
    assert page.status_code == 200 and "SCALE-0001" in page.content.decode()
    upload = SimpleUploadedFile("scale.png", PNG, content_type="image/png")
    r = inspector.post(
        f"/market/inspections/{insp.pk}/",
        {
            "action": "finding",
            "kind": "failed",
            "instrument": str(market.world.scale.pk),
            "photo": upload,
        },
    )
    assert r.status_code == 302
    photo = insp.findings.get().photos.get()
    served = inspector.get(f"/market/photos/{photo.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    # a GIF renamed .png is refused by its magic bytes; nothing written
    fake = SimpleUploadedFile("x.png", b"GIF89a" + b"\0" * 20, content_type="image/png")
    r = inspector.post(
        f"/market/inspections/{insp.pk}/", {"action": "finding", "kind": "failed", "photo": fake}
    )
    assert r.status_code == 400 and insp.findings.count() == 1
    # the owner, another region's regulator and anonymous never get the photo or the page
    for user in (market.world.users["market"], market.world.users["reg_bj"]):
        assert _client(user).get(f"/market/photos/{photo.pk}/").status_code == 404
        assert _client(user).get(f"/market/inspections/{insp.pk}/").status_code == 404
    assert Client().get(f"/market/photos/{photo.pk}/").status_code == 302
    # bad dates and ids are 400, not 500
    r = inspector.post(
        f"/market/inspections/{insp.pk}/",
        {"action": "notice", "requirements": "x", "deadline": "2026-02-30"},
    )
    assert r.status_code == 400
    r = inspector.post(
        f"/market/inspections/{insp.pk}/",
        {"action": "finding", "kind": "failed", "instrument": "9" * 30},
    )
    assert r.status_code == 400


def test_complaint_form(market: Market, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    anon = Client()
    r = anon.post("/market/public/complaint/", {"premises": "NOPE", "text": "少称"})
    assert r.status_code == 400 and Complaint.objects.count() == 0
    r = anon.post("/market/public/complaint/", {"premises": "ZB-M01", "text": "x" * 2001})
    assert r.status_code == 400
    r = anon.post("/market/public/complaint/", {"premises": "ZB-M01", "text": "少称二两"})
    assert r.status_code == 200 and Complaint.objects.get().premises.code == "ZB-M01"
    # the regulator of the region sees it through the premises' scope; Beijing does not
    assert Complaint.objects.visible_to(market.world.users["reg_zibo"]).count() == 1
    assert Complaint.objects.visible_to(market.world.users["reg_bj"]).count() == 0
    for _ in range(10):
        r = anon.post("/market/public/complaint/", {"premises": "ZB-M01", "text": "again"})
    assert r.status_code == 429 and "Retry-After" in r
    cache.clear()


def _verified_scale(m: Market, serial: str, mpe: float) -> Any:
    """A trade scale of the market with a passing certificate valid today (real date)."""
    from django.utils import timezone

    from jiliang.registry.models import Certificate, Instrument
    from jiliang.registry.services import refresh_due_dates

    today = timezone.localdate()
    scale = Instrument.objects.create(
        owner=m.world.market,
        name="电子秤",
        category=m.world.scale.category,
        use_area="trade",
        division_code="370303",
        serial_number=serial,
        unit="kg",
        mpe=mpe,
    )
    cert = Certificate.objects.create(
        number=f"ZB-T-{serial}",
        kind="verification",
        issuer=m.world.city,
        instrument=scale,
        regulation="JJG 539-2016",
        calibration_date=today - dt.timedelta(days=10),
        issued_on=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=300),
        conclusion="pass",
        verifier=m.world.people["city"],
    )
    cert.use_standards(m.world.f1)
    refresh_due_dates([scale.pk])
    return scale


@pytest.mark.parametrize(
    ("serial", "status"),
    [
        ("FINE-1", 302),  # MPE 0.01 kg <= 0.2 T = 0.015 kg, verified: recorded
        ("COARSE-1", 400),  # MPE 0.02 kg > 0.015 kg: not fine enough
        ("SCALE-0002", 400),  # no verification on record
        ("TAXI-0001", 400),  # another region's instrument: not visible
        ("NONE", 400),
    ],
)
def test_prepack_scale_interlock(market: Market, serial: str, status: int) -> None:
    _verified_scale(market, "FINE-1", 0.01)
    _verified_scale(market, "COARSE-1", 0.02)
    r = _post_prepack(_client(market.world.users["reg_zibo"]), serial)
    assert r.status_code == status, r.content.decode()[-500:]
    if status == 302:
        item = PrepackInspection.objects.get()
        # 46 x 5.02 + 4 x 4.91: t1 = 4 > c = 3 -> fail; mean 5.0112 passes the average test
        assert item.verdict == "fail" and item.result["t1"] == 4 and item.result["average_ok"]
        report = _client(market.world.users["reg_zibo"]).get(f"/market/prepack/{item.pk}/")
        assert report.status_code == 200 and "FINE-1" in report.content.decode()
    else:
        assert PrepackInspection.objects.count() == 0
    # only regulators record
    assert _post_prepack(_client(market.world.users["market"]), "FINE-1").status_code == 403


def _post_prepack(client: Client, serial: str, nominal: str = "5", unit: str = "kg") -> Any:
    # 5 kg -> T = 1.5 % = 75 g; 0.2 T = 15 g = 0.015 kg >= SCALE-0001's MPE 0.01 kg
    values = " ".join(["5.02"] * 46 + ["4.91"] * 4)
    return client.post(
        "/market/prepack/",
        {
            "product": "大米",
            "producer": "某粮油",
            "nominal": nominal,
            "unit": unit,
            "lot_size": "200",
            "values": values,
            "tare": "",
            "scale": serial,
        },
    )


def test_c_mark_register(market: Market) -> None:
    from jiliang.market.models import CMarkDeclaration

    enterprise = _client(market.world.users["market"])  # the market institution is an enterprise
    r = enterprise.post("/market/public/c-mark/", {"products": "大米 5 kg"})
    assert r.status_code == 200, r.content.decode()[-300:]
    assert CMarkDeclaration.objects.get().producer == market.world.market
    assert enterprise.post("/market/public/c-mark/", {"products": ""}).status_code == 400
    assert (
        _client(market.world.users["reg_zibo"])
        .post("/market/public/c-mark/", {"products": "x"})
        .status_code
        == 403
    )
    assert "大米 5 kg" in Client().get("/market/public/c-mark/").content.decode()


def test_notice_pdf(market: Market) -> None:
    insp = _drawn(market)
    services.add_finding(insp.inspector, insp, kind="overdue", instrument_id=None)
    notice = services.issue_notice(
        insp.inspector, insp, requirements="送检", deadline=dt.date.today() + dt.timedelta(days=7)
    )
    r = _client(insp.inspector).get(f"/market/notices/{notice.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert (
        _client(market.world.users["reg_bj"]).get(f"/market/notices/{notice.pk}/pdf/").status_code
        == 404
    )
