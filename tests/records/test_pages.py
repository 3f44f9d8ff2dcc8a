"""The record pages: customer → instrument as a laboratory, edit, state change, change log
with names; the same rules as the API (tests/records/test_record_api.py)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from jiliang.registry.models import Institution, Instrument, StateChange
from tests.conftest import uscc

NEW_USCC = uscc("91370303MA3C00002")


def login(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def test_lab_records_customer_and_instrument_on_pages(world: Any) -> None:
    lab = login(world, "zibo_lab")
    assert lab.get("/records/customers/new/").status_code == 200
    answer = lab.post(
        "/records/customers/new/",
        {
            "name": "张店新材料有限公司",
            "uscc": NEW_USCC,
            "division_code": "370303",
            "address": "张店区",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/records/instruments/new/?owner={NEW_USCC}"
    page = lab.get(answer["Location"])
    assert NEW_USCC in page.content.decode()
    # 15 g typed for a scale whose range starts at 0.04 kg: refused, with both figures
    body = {
        "owner": NEW_USCC,
        "name": "电子台秤",
        "serial_number": "ZD-1",
        "division_code": "370303",
        "use_area": "trade",
        "quantity": "mass",
        "unit": "kg",
        "range_min": "0.04",
        "range_max": "15 g",
    }
    refused = lab.post("/records/instruments/new/", body)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "上限不能低于下限" in text  # 15 g = 0.015 kg is below 0.04 kg
    assert not Instrument.objects.filter(serial_number="ZD-1").exists()
    body["range_max"] = "15 kg"
    saved = lab.post("/records/instruments/new/", body)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    instrument = Instrument.objects.get(serial_number="ZD-1")
    assert instrument.owner == Institution.objects.get(uscc=NEW_USCC)
    assert (instrument.range_min, instrument.range_max) == (0.04, 15.0)
    # the placeholder is the lab's to act for: the edit and state links show
    detail = lab.get(saved["Location"]).content.decode()
    assert f"/records/instruments/{instrument.pk}/edit/" in detail


def test_page_refuses_other_owner_and_bad_region(world: Any) -> None:
    lab = login(world, "sd_lab")
    body = {
        "owner": world.market.uscc,
        "name": "秤",
        "serial_number": "X-1",
        "division_code": "379999",
        "use_area": "other",
    }
    answer = lab.post("/records/instruments/new/", body)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "379999" in text  # not a GB/T 2260 code
    body["division_code"] = "370303"
    answer = lab.post("/records/instruments/new/", body)
    assert answer.status_code == 400
    assert not Instrument.objects.filter(serial_number="X-1").exists()
    assert login(world, "reg_zibo").get("/records/instruments/new/").status_code == 403


def test_edit_state_and_change_log_with_names(world: Any) -> None:
    owner = login(world, "market")
    world.users["market"].display_name = "市场计量员 王五"
    world.users["market"].save()
    page = owner.get(f"/records/instruments/{world.scale.pk}/edit/")
    assert page.status_code == 200
    assert "15 kg" in page.content.decode()  # quantities shown with their unit
    answer = owner.post(
        f"/records/instruments/{world.scale.pk}/state/",
        {
            "state": "transferred",
            "reason": "整体出售",
            "on": "2026-05-02",
            "to_owner": world.taxi.uscc,
        },
    )
    assert answer.status_code == 302
    assert StateChange.objects.get().to_owner == world.taxi
    log = login(world, "taxi").get(f"/changes/registry.instrument/{world.scale.pk}/")
    text = log.content.decode()
    assert "市场计量员 王五" in text  # the user's display name
    assert world.market.name_zh in text and world.taxi.name_zh in text  # owners by name
    assert (
        login(world, "zibo_lab").get(f"/records/instruments/{world.scale.pk}/state/").status_code
        == 404
    )
