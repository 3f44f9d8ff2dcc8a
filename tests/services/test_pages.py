"""The pages answer, refuse strangers, and name errors; the CLI-free parts of the UI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiliang.services.models import Application
from tests.conftest import World
from tests.services.conftest import PDF


def _login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password="pw-test-123")
    return client


def test_public_pages(db: Any) -> None:
    client = Client()
    assert client.get("/services/").status_code == 200
    assert client.get("/services/patterns/").status_code == 200
    assert client.get("/services/filing/").status_code == 302  # login first


def test_apply_and_act_through_pages(world: World, new_standard: Any) -> None:
    lab = _login("zibo_lab")
    files = {
        f"m_{key}": SimpleUploadedFile(f"{key}.pdf", PDF, "application/pdf")
        for key in ("application", "technical_report", "equipment_certificates", "staff")
    }
    response = lab.post(
        "/services/apply/standard_exam_new/", {"standard_id": new_standard.pk, **files}
    )
    assert response.status_code == 302
    app = Application.objects.get()
    page = lab.get(f"/services/cases/{app.pk}/")
    assert page.status_code == 200 and app.number in page.content.decode()
    # the applicant cannot accept; a stranger cannot even see the case
    assert lab.post(f"/services/cases/{app.pk}/accept/").status_code == 400
    assert _login("taxi").get(f"/services/cases/{app.pk}/").status_code == 404
    assert _login("reg_bj").get(f"/services/cases/{app.pk}/").status_code == 404
    regulator = _login("reg_zibo")
    assert regulator.post(f"/services/cases/{app.pk}/accept/").status_code == 302
    app.refresh_from_db()
    assert app.state == "accepted" and app.accepted_on == dt.date.today()
    queue = regulator.get("/services/queue/")
    assert queue.status_code == 200 and app.number in queue.content.decode()
    assert lab.get("/services/queue/").status_code == 403
    material = app.materials.first()
    download = regulator.get(f"/services/cases/{app.pk}/materials/{material.pk}/")
    assert download.status_code == 200 and download.content == PDF
    assert (
        _login("market").get(f"/services/cases/{app.pk}/materials/{material.pk}/").status_code
        == 404
    )


def test_apply_errors_are_shown(world: World, new_standard: Any) -> None:
    lab = _login("zibo_lab")
    response = lab.post("/services/apply/standard_exam_new/", {"standard_id": new_standard.pk})
    assert response.status_code == 400
    assert "缺少申请材料" in response.content.decode()
    assert lab.get("/services/apply/nope/").status_code == 404


def test_filing_pages(world: World) -> None:
    market = _login("market")
    assert market.get("/services/filing/template.xlsx").content[:2] == b"PK"
    bad = market.post(
        "/services/filing/one/",
        {
            "name": "秤",
            "serial_number": "P-1",
            "category": "C02",
            "use_area": "other",
            "division_code": "370303",
        },
    )
    assert bad.status_code == 400 and "use_area" in bad.content.decode()
    ok = market.post(
        "/services/filing/one/",
        {
            "name": "秤",
            "serial_number": "P-1",
            "category": "C01",
            "use_area": "trade",
            "division_code": "370303",
        },
    )
    assert ok.status_code == 302
    assert "P-1" in market.get("/services/filing/").content.decode()


def test_api(world: World, new_standard: Any) -> None:
    import json

    from jiliang.services import workflow
    from jiliang.services.workflow import Upload

    keys = ("application", "technical_report", "equipment_certificates", "staff")
    app = workflow.submit(
        world.users["zibo_lab"],
        "standard_exam_new",
        {"standard_id": new_standard.pk},
        [Upload(k, f"{k}.pdf", PDF) for k in keys],
        dt.date.today(),
    )
    workflow.accept(world.users["reg_zibo"], app, dt.date.today())
    kinds = json.loads(Client().get("/api/services/kinds").content)
    assert {k["key"] for k in kinds} >= {"standard_exam_new", "pattern_approval"}
    assert Client().get("/api/services/applications").status_code == 401
    rows = json.loads(_login("zibo_lab").get("/api/services/applications").content)
    assert [r["number"] for r in rows] == [app.number]
    assert rows[0]["remaining_working_days"] is not None
    detail = json.loads(_login("reg_zibo").get(f"/api/services/applications/{app.pk}").content)
    assert [e["action"] for e in detail["events"]] == ["submit", "accept"]
    assert detail["events"][1]["log_index"] is not None
    assert _login("taxi").get(f"/api/services/applications/{app.pk}").status_code == 404
    assert _login("taxi").get("/api/services/applications/99999999999999999999").status_code in (
        400,
        404,
        422,
    )
    assert json.loads(_login("market").get("/api/services/filing").content) == []


def test_menu_entries_resolve() -> None:
    from django.urls import reverse

    from jiliang.services.menu import MENU

    assert {m["group"] for m in MENU} == {"services"}
    for entry in MENU:
        assert reverse(entry["url"]).startswith("/services/")


def test_english_pages(db: Any) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/services/").content.decode()
    assert "Online services" in page and "Measurement standard examination (new standard)" in page
    assert "not counted" in page
