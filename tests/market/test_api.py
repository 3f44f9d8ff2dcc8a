"""API: published results with the registers and the seed; the draw recomputed; prepack."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from jiliang.market import cases, services
from tests.market.conftest import Market


def _closed(m: Market) -> Any:
    reg = m.world.users["reg_zibo"]
    c = services.plan_campaign(
        reg,
        code="ZB-API-1",
        title="t",
        region="3703",
        premises_kind="market",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 2),
        premises_count=2,
    )
    c = services.draw_campaign(reg, c, seed="api-seed")
    return c, cases.close_campaign(reg, c)


def test_public_results_and_draw(market: Market) -> None:
    from jiliang.supervision import draw

    c, _ = _closed(market)
    anon = Client()
    listed = anon.get("/api/market/public/campaigns").json()
    assert [r["code"] for r in listed] == ["ZB-API-1"]
    one = anon.get("/api/market/public/campaigns/ZB-API-1").json()
    # anyone can recompute the draw from what is published
    again = draw(one["seed"], "premises", one["registers"]["premises"], 2).selected
    assert list(again) == one["draw"]["premises"]
    assert anon.get("/api/market/public/campaigns/NOPE").status_code == 404
    assert anon.get("/api/market/campaigns").status_code == 401
    reg = Client()
    reg.force_login(market.world.users["reg_zibo"])
    answer = reg.get(f"/api/market/campaigns/{c.pk}/draw").json()
    assert answer["matches"] is True
    other = Client()
    other.force_login(market.world.users["reg_bj"])
    assert other.get(f"/api/market/campaigns/{c.pk}/draw").status_code == 404


def test_prepack_api(market: Market) -> None:
    client = Client()
    client.force_login(market.world.users["reg_zibo"])
    body = {"nominal": {"value": 500, "unit": "g"}, "lot_size": 40, "net": [502] * 9 + [484]}
    r = client.post(
        "/api/market/prepack/evaluate", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 200
    assert (r.json()["t1"], r.json()["verdict"]) == (1, "fail")
    body["net"] = [500.0] * 3
    r = client.post(
        "/api/market/prepack/evaluate", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 400 and "sample of 10" in r.json()["detail"]
    r = client.post("/api/market/prepack/evaluate", "false", content_type="application/json")
    assert r.status_code in (400, 422)
