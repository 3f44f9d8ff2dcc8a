"""The metrology cloud on the hand-built World (tests/conftest.py): every expected figure is
counted by hand from that fixture, written out in the comments."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def _client(world: Any, name: str | None) -> Client:
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


def _pressure_cmc(world: Any, code: str = "SD-P-1", **extra: Any) -> Any:
    from jiliang.cloud import services

    data = {
        "id": code,
        "quantity": "pressure",
        "instrument": "pressure gauge",
        "range": {"min": 0, "max": 60, "unit": "MPa"},
        "uncertainty": {"kind": "value", "value": 0.02, "unit": "%", "k": 2},
        **extra,
    }
    return services.create_capability(world.users["sd_lab"], data)


def test_statistics_match_hand_counts(world: Any) -> None:
    from jiliang.cloud.statistics import compute

    figures = compute(TODAY)
    # standards: GJJ(力)0101 (national primary, Beijing 11), SD-E2-001 and ZB-F1-001 (Shandong 37)
    assert figures["standards"]["total"] == 3
    assert {r["value"]: r["count"] for r in figures["standards"]["by_level"]} == {
        "national_primary": 1,
        "social_public_highest": 1,
        "social_public": 1,
    }
    assert {r["province"]: r["count"] for r in figures["standards"]["by_province"]} == {
        "11": 1,
        "37": 2,
    }
    # examination certificates issued 2023-01-10 and 2024-05-01
    assert figures["examinations_by_year"] == [
        {"year": 2023, "count": 1},
        {"year": 2024, "count": 1},
    ]
    # three metrologists valid 2020-01-01 .. 2030-01-01, all level 1
    assert figures["metrologists"]["registered"] == 3
    # mandatory: the trade scale (C01, trade, due 2026-08-31 ≥ 2026-06-01: on time) and the
    # taximeter (C06, trade, never verified); the weights are used "other": not mandatory
    mandatory = figures["mandatory_instruments"]
    assert (mandatory["total"], mandatory["on_time"], mandatory["never_verified"]) == (2, 1, 1)
    assert mandatory["share_on_time"] == 0.5
    kinds = {r["value"]: r["count"] for r in figures["institutions"]}
    assert kinds == {
        "nmi": 1,
        "legal_provincial": 1,
        "legal_city": 1,
        "enterprise": 2,
        "regulator": 2,
    }


def test_capability_rules(world: Any) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from jiliang.cloud import services

    cap = _pressure_cmc(world, standards=["SD-E2-001"])
    assert list(cap.standards.values_list("code", flat=True)) == ["SD-E2-001"]
    with pytest.raises(ValidationError) as caught:  # another institution's standard
        _pressure_cmc(world, "SD-P-2", standards=["ZB-F1-001"])
    assert "standards" in caught.value.message_dict
    with pytest.raises(ValidationError):  # the same code twice
        _pressure_cmc(world)
    with pytest.raises(PermissionDenied):  # an enterprise publishes no capabilities
        services.create_capability(world.users["market"], {"id": "X", "quantity": "pressure"})


def test_demand_answer_pick_met(world: Any) -> None:
    _pressure_cmc(world)
    market = _client(world, "market")
    response = market.post(
        "/api/cloud/demands",
        {
            "quantity": "pressure",
            "value": 2500,
            "unit": "kPa",
            "required_U": {"value": 1, "unit": "kPa"},
            "deadline": "2027-01-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    lab = _client(world, "sd_lab")
    matches = lab.get(f"/api/cloud/demands/{pk}/matches").json()
    # 0.02 % of 2500 kPa = 0.5 kPa <= 1 kPa
    assert [(m["id"], m["U"], m["unit"]) for m in matches["matches"]] == [("SD-P-1", 0.5, "kPa")]
    answer = lab.post(
        f"/api/cloud/demands/{pk}/answers",
        {"capability": "SD-P-1"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    # the laboratory cannot pick for the owner; the owner can
    assert (
        lab.post(
            f"/api/cloud/demands/{pk}/pick",
            {"answer": answer.json()["id"]},
            content_type="application/json",
        ).status_code
        == 403
    )
    picked = market.post(
        f"/api/cloud/demands/{pk}/pick",
        {"answer": answer.json()["id"]},
        content_type="application/json",
    )
    assert picked.json()["status"] == "picked"
    assert market.post(f"/api/cloud/demands/{pk}/met").json()["status"] == "met"
    # another enterprise sees nothing of it
    assert _client(world, "taxi").get(f"/api/cloud/demands/{pk}/matches").status_code == 404
    assert Client().get("/api/cloud/demands").status_code == 401


def test_answer_with_a_capability_that_does_not_meet_the_demand_is_refused(world: Any) -> None:
    _pressure_cmc(world)
    market = _client(world, "market")
    pk = market.post(
        "/api/cloud/demands",
        {
            "quantity": "pressure",
            "value": 2500,
            "unit": "kPa",
            "required_U": {"value": 0.1, "unit": "kPa"},
            "deadline": "2027-01-31",
        },
        content_type="application/json",
    ).json()["id"]
    refused = _client(world, "sd_lab").post(
        f"/api/cloud/demands/{pk}/answers",
        {"capability": "SD-P-1"},
        content_type="application/json",
    )
    # 0.5 kPa > 0.1 kPa
    assert refused.status_code == 400
    assert "exceeds" in json.dumps(refused.json())


def test_bad_demand_is_400_and_writes_nothing(world: Any) -> None:
    from jiliang.cloud.models import Demand

    market = _client(world, "market")
    response = market.post(
        "/api/cloud/demands",
        {
            "quantity": "pressure",
            "value": 2500,
            "unit": "kg",
            "required_U": {"value": 1, "unit": "kPa"},
            "deadline": "2027-01-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Demand.objects.count() == 0


def test_faceted_search_counts(world: Any) -> None:
    _pressure_cmc(world)
    _pressure_cmc(
        world,
        "SD-M-1",
        quantity="mass",
        range={"min": 0.001, "max": 20, "unit": "kg"},
        uncertainty={"kind": "value", "value": 1, "unit": "mg"},
    )
    body = Client().get("/api/cloud/capabilities?quantity=mass").json()
    assert [r["id"] for r in body["results"]] == ["SD-M-1"]
    # the quantity facet ignores its own filter: pressure 1, mass 1
    assert {f["value"]: f["count"] for f in body["facets"]["quantity"]} == {
        "pressure": 1,
        "mass": 1,
    }
    assert {f["value"]: f["count"] for f in body["facets"]["province"]} == {"37": 1}


def test_open_data_paging_and_downloads(world: Any) -> None:
    import pyarrow.parquet as pq

    client = Client()
    first = client.get("/api/cloud/open/standards?page=1&page_size=2").json()
    second = client.get("/api/cloud/open/standards?page=2&page_size=2").json()
    assert [r["code"] for r in first["results"] + second["results"]] == [
        "GJJ(力)0101",
        "SD-E2-001",
        "ZB-F1-001",
    ]
    assert first["next_page"] == 2 and second["next_page"] is None
    people = client.get("/api/cloud/open/metrologists").json()["results"]
    assert set(people[0]) == {
        "name",
        "level",
        "registration_number",
        "institution",
        "items",
        "valid_from",
        "valid_until",
    }
    csv_text = client.get("/cloud/open/standards.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("code,name,kind")
    assert len(csv_text.strip().splitlines()) == 4
    assert len(json.loads(client.get("/cloud/open/standards.json").content)["rows"]) == 3
    table = pq.read_table(io.BytesIO(client.get("/cloud/open/standards.parquet").content))
    assert table.column("code").to_pylist() == ["GJJ(力)0101", "SD-E2-001", "ZB-F1-001"]
    assert client.get("/cloud/open/nothing.csv").status_code == 404
    assert client.get("/api/cloud/open/nothing").status_code == 404


def test_pages_render(world: Any) -> None:
    cache.clear()
    _pressure_cmc(world, standards=["SD-E2-001"])
    client = Client()
    for url in ("/cloud/", "/cloud/capabilities/SD-P-1/", "/cloud/open/", "/cloud/statistics/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/cloud/demands/").status_code == 302  # login first
    market = _client(world, "market")
    response = market.post(
        "/cloud/demands/",
        {
            "quantity": "pressure",
            "low": "2.5",
            "unit": "MPa",
            "required_u": "0.01",
            "required_u_unit": "MPa",
            "deadline": (dt.date.today() + dt.timedelta(days=9)).isoformat(),
        },
    )
    assert response.status_code == 302
    page = market.get(response["Location"])
    assert "SD-P-1" in page.content.decode()


def test_demo_builds_once_and_every_capability_evaluates(world: Any) -> None:
    from jiliang.capability import u_at
    from jiliang.cloud import services
    from jiliang.cloud.demo import build_cloud_demo
    from jiliang.cloud.models import Capability

    class Summary:
        today = TODAY

    first = build_cloud_demo(Summary())
    # 29 centres with 55 capability rows in centres.yaml, plus one CMC for each World standard
    # in service with an uncertainty, not primary: SD-E2-001 and ZB-F1-001
    assert first["centres"] == 29
    assert first["capabilities"] == 55 + 2
    assert first["demands"] == 3  # the World's first enterprise (the market)
    again = build_cloud_demo(Summary())
    assert again["created"] == 0 and again["capabilities"] == first["capabilities"]
    for cap in Capability.objects.select_related("institution", "quantity"):
        core = services.to_core(cap)
        middle = (core.range_min + core.range_max) / 2
        assert u_at(core, middle) is not None, cap.code


def test_every_register_pages_and_downloads(world: Any) -> None:
    import pyarrow.parquet as pq

    client = Client()
    names = [r["register"] for r in client.get("/api/cloud/open").json()]
    assert names == [
        "institutions",
        "authorisations",
        "standards",
        "examination_certificates",
        "materials",
        "metrologists",
        "capabilities",
        "pattern_approvals",
        "model_units",
        "campaign_results",
    ]
    for name in names:
        assert client.get(f"/api/cloud/open/{name}").status_code == 200, name
        table = pq.read_table(io.BytesIO(client.get(f"/cloud/open/{name}.parquet").content))
        assert table.num_rows == len(
            client.get(f"/api/cloud/open/{name}?page_size=1000").json()["results"]
        )
