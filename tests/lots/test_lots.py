"""Meter lots: homogeneity, the hypergeometric plan, the auditable draw, the decision,
regulator approval and the public notice; and who may see or do what."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from scipy import stats as sps

from jiliang.lots import services
from jiliang.lots.models import Lot, SampleItem
from tests.lots.conftest import BATCH, MAKER, MODEL


def client_for(world, name):
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


def test_lot_is_homogeneous_and_large_enough(meters, lot) -> None:
    assert lot.size == 200
    serials = set(lot.members.values_list("instrument__serial_number", flat=True))
    assert serials == {f"M{i:05d}" for i in range(200)}
    # 8-year regular replacement from the earliest installation (JJG 596-2012, data file)
    assert lot.service_until == dt.date(2026, 9, 1)
    groups = services.candidate_groups(meters.users["market"], meters.market)
    assert {(g["model"], g["production_batch"], g["meters"]) for g in groups} == {
        ("DDZY-2", BATCH, 3),
        (MODEL, "B2018-08", 10),
    }
    with pytest.raises(ValidationError) as exc:  # 10 meters: below the minimum of 50
        services.form_lot(
            meters.users["market"],
            meters.market,
            maker=MAKER,
            model=MODEL,
            production_batch="B2018-08",
            installation_year=2018,
        )
    assert "at least 50" in exc.value.message_dict["production_batch"][0]
    with pytest.raises(ValidationError):  # the same meters cannot join a second lot
        services.form_lot(
            meters.users["market"],
            meters.market,
            maker=MAKER,
            model=MODEL,
            production_batch=BATCH,
            installation_year=2018,
            code="again",
        )
    with pytest.raises(PermissionError):
        services.form_lot(
            meters.users["reg_zibo"],
            meters.market,
            maker=MAKER,
            model=MODEL,
            production_batch="B2018-08",
            installation_year=2018,
        )
    assert Lot.objects.count() == 1


def test_plan_and_draw_are_checkable_independently(meters, lot) -> None:
    lot = services.draw(meters.users["market"], lot, seed="2026-06-01 福利彩票 12345")
    plan = lot.plan
    assert plan["distribution"] == "hypergeometric" and plan["lq"] == 0.05
    n, c, big_n = plan["n"], plan["c"], 200
    # GB/T 2828.2 procedure A: P(accept) at LQ (ceil(0.05 N) = 10 nonconforming) at most
    # beta = 0.10, and no smaller n with the same c would do; producer's point 0.5 % → 1.
    assert sps.hypergeom.cdf(c, big_n, 10, n) <= 0.10
    assert sps.hypergeom.cdf(c, big_n, 10, n - 1) > 0.10
    assert sps.hypergeom.cdf(c, big_n, 1, n) >= 0.95
    # the draw is recomputable from the stored seed and the documented algorithm
    assert lot.algorithm == "sha256-rank-v1"
    key = lot.seed.encode() + b"\x1f"
    ranked = sorted(
        (f"M{i:05d}" for i in range(200)),
        key=lambda s: hashlib.sha256(key + s.encode()).digest(),
    )
    drawn = list(
        lot.sample.order_by("position").values_list("instrument__serial_number", flat=True)
    )
    assert drawn == ranked[:n]
    with pytest.raises(ValidationError):  # drawn once only
        services.draw(meters.users["market"], lot)


def test_lq_is_chosen_from_the_iso_2859_2_series(meters, lot) -> None:
    with pytest.raises(ValidationError) as exc:
        services.draw(meters.users["market"], lot, lq=0.07)
    assert "lq" in exc.value.message_dict
    assert not SampleItem.objects.exists()
    r = client_for(meters, "market").post(f"/lots/{lot.pk}/draw/", {"lq": "x"})
    assert r.status_code == 400 and b"lq: must be a fraction" in r.content
    lot = services.draw(meters.users["market"], lot, seed="lq8", lq=0.08)
    n, c = lot.plan["n"], lot.plan["c"]
    assert lot.plan["lq"] == 0.08
    # GB/T 2828.2 procedure A at LQ 8 %: ceil(0.08 * 200) = 16 nonconforming in the lot
    assert sps.hypergeom.cdf(c, 200, 16, n) <= 0.10 < sps.hypergeom.cdf(c, 200, 16, n - 1)


def _test_all(world, lot, fails: int) -> Lot:
    items = list(lot.sample.order_by("position").select_related("instrument"))
    for k, item in enumerate(items):
        result = "fail" if k < fails else "pass"
        services.record(world.users["market"], lot, item.instrument.serial_number, result)
    return services.decide(world.users["market"], lot, today=dt.date(2026, 6, 1))


def test_passing_lot_is_extended_approved_and_published(meters, lot) -> None:
    lot = services.draw(meters.users["market"], lot, seed="s1")
    with pytest.raises(ValidationError) as exc:
        services.decide(meters.users["market"], lot)
    assert "no result yet" in exc.value.message_dict["sample"][0]
    lot = _test_all(meters, lot, fails=lot.plan["c"])
    assert lot.decision == "extend" and lot.nonconforming == lot.plan["c"]
    assert lot.extended_until == dt.date(2030, 9, 1)  # 8 + 4 years (rules.yaml)
    anonymous = Client()
    assert anonymous.get("/api/lots/notice").json() == []
    with pytest.raises(PermissionError):
        services.approve(meters.users["reg_bj"], lot, approved=True)
    with pytest.raises(PermissionError):
        services.approve(meters.users["market"], lot, approved=True)
    r = client_for(meters, "reg_zibo").post(
        f"/api/lots/lots/{lot.pk}/approve", {"approved": True}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "approved"
    notice = anonymous.get("/api/lots/notice").json()
    assert [(row["code"], row["meters"]) for row in notice] == [(lot.code, 200)]
    page = anonymous.get("/lots/notice/")
    assert page.status_code == 200 and lot.code in page.content.decode()


def test_failing_lot_is_replaced_with_a_deadline(meters, lot) -> None:
    lot = services.draw(meters.users["market"], lot, seed="s2")
    lot = _test_all(meters, lot, fails=lot.plan["c"] + 1)
    assert lot.decision == "replace"
    assert lot.replace_by == dt.date(2027, 6, 1)  # 12 months (rules.yaml)
    with pytest.raises(ValidationError) as exc:
        services.approve(meters.users["reg_zibo"], lot, approved=False, note="")
    assert "note" in exc.value.message_dict
    services.approve(meters.users["reg_zibo"], lot, approved=True)
    assert Client().get("/api/lots/notice").json() == []


def test_results_batch_is_all_or_nothing(meters, lot) -> None:
    lot = services.draw(meters.users["market"], lot, seed="s3")
    first = lot.sample.order_by("position").first().instrument.serial_number
    rows = [{"serial": first, "result": "pass"}, {"serial": "NOT-SAMPLED", "result": "pass"}]
    r = client_for(meters, "market").post(
        f"/api/lots/lots/{lot.pk}/results", rows, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "serial"
    assert not SampleItem.objects.exclude(result="").exists()
    r = client_for(meters, "market").post(
        f"/api/lots/lots/{lot.pk}/results",
        [{"serial": first, "result": "maybe"}],
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "result"


def test_pages_and_api_by_role(meters, lot) -> None:
    pages = ["/lots/", f"/lots/{lot.pk}/"]
    api = ["/api/lots/lots", f"/api/lots/lots/{lot.pk}"]
    for name in ["market", "reg_zibo", "admin"]:
        client = client_for(meters, name)
        for url in pages + api:
            assert client.get(url).status_code == 200, (name, url)
    for name in ["taxi", "reg_bj", "zibo_lab", "sd_lab"]:
        client = client_for(meters, name)
        assert client.get(f"/lots/{lot.pk}/").status_code == 404
        assert client.get(f"/api/lots/lots/{lot.pk}").status_code == 404
        assert client.get("/api/lots/lots").json() == []
    anonymous = Client()
    for url in pages:
        assert anonymous.get(url).status_code == 302
    for url in [*api, "/api/lots/groups"]:
        assert anonymous.get(url).status_code == 401
    assert anonymous.get("/lots/notice/").status_code == 200
    # only the owner's staff draw and decide; only the region's regulator approves
    assert client_for(meters, "reg_zibo").post(f"/lots/{lot.pk}/draw/").status_code == 403
    assert (
        client_for(meters, "reg_zibo")
        .post(f"/api/lots/lots/{lot.pk}/draw", {}, content_type="application/json")
        .status_code
        == 403
    )
    assert client_for(meters, "market").post(f"/lots/{lot.pk}/approve/").status_code == 403
    assert client_for(meters, "reg_zibo").get("/api/lots/groups").status_code == 403
    # the owner's pages: form a lot from the list page, draw, record, decide
    r = client_for(meters, "market").post(
        "/lots/",
        {
            "maker": MAKER,
            "model": MODEL,
            "production_batch": "B2018-08",
            "installation_year": "2018",
        },
    )
    assert r.status_code == 400 and b"at least 50" in r.content
    assert client_for(meters, "reg_zibo").post("/lots/", {}).status_code == 403
    market = client_for(meters, "market")
    assert market.post(f"/lots/{lot.pk}/draw/", {"seed": "page"}).status_code == 302
    lot.refresh_from_db()
    form = {
        f"result:{s}": "pass"
        for s in lot.sample.values_list("instrument__serial_number", flat=True)
    }
    assert market.post(f"/lots/{lot.pk}/results/", form).status_code == 302
    assert market.post(f"/lots/{lot.pk}/decide/").status_code == 302
    lot.refresh_from_db()
    assert lot.decision == "extend"
    r = client_for(meters, "reg_zibo").post(f"/lots/{lot.pk}/approve/", {"answer": "approve"})
    assert r.status_code == 302
    page = market.get(f"/lots/{lot.pk}/")
    assert "延长至 2030-09-01" in page.content.decode()
    market.cookies["django_language"] = "en"
    assert b"extended until 2030-09-01" in market.get(f"/lots/{lot.pk}/").content
