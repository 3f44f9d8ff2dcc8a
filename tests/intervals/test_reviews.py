"""Interval reviews from registry history: the RP-1 A3 published case, S2 evidence,
acceptance writing the interval that drives due dates, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jiliang.intervals import services
from jiliang.intervals.models import IntervalReview
from jiliang.registry import services as registry
from jiliang.registry.models import Instrument
from tests.intervals.conftest import REGULATION, make_group


def client_for(world, name):
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


def _create(world, **extra):
    return services.create_review(
        world.users["zibo_lab"],
        world.city,
        maker="某衡器厂",
        model="FA-2004",
        regulation=REGULATION,
        **extra,
    )


def test_ncsl_tutorial_a3_case_from_certificate_history(world, ncsl_group) -> None:
    # 2019 NCSL International RP-1 tutorial: 15 of 20 in tolerance at 365 days, target 0.95
    # → rejection confidence 0.995 and a new interval of 231 days.
    review = _create(world, target=0.95)
    assert review.current_interval_days == 365  # the instruments' common interval
    assert len(review.observations) == 20
    assert review.a3["n"] == 20 and review.a3["in_tolerance"] == 15
    assert round(review.a3["rejection_confidence"], 3) == 0.995
    assert review.a3["interval"] == 231
    assert review.recommended_days == 231
    assert review.s2 is None and "2 bins" in review.s2_error


def test_accept_writes_the_interval_and_moves_the_due_date(world, ncsl_group) -> None:
    review = _create(world)
    inst = ncsl_group[0]
    last = registry.last_passing_certificate(inst)
    assert registry.due_date(inst) == last.calibration_date + dt.timedelta(days=365)
    with pytest.raises(ValidationError) as exc:
        services.accept(world.users["zibo_lab"], review, reason=" ")
    assert "reason" in exc.value.message_dict
    services.accept(world.users["zibo_lab"], review, reason="RP-1 A3, 15/20 in tolerance")
    review.refresh_from_db()
    assert review.state == "accepted" and review.accepted_by == world.users["zibo_lab"]
    assert review.accepted_days == 231
    for instrument in Instrument.objects.filter(pk__in=[i.pk for i in ncsl_group]):
        assert instrument.interval_days == 231
    inst.refresh_from_db()
    assert registry.due_date(inst) == last.calibration_date + dt.timedelta(days=231)
    # a second acceptance is refused
    with pytest.raises(ValidationError):
        services.accept(world.users["zibo_lab"], review, reason="again")


def test_s2_runs_on_enough_binned_history(world) -> None:
    # 24 instruments: 12 recalibrated every 180 days (all in tolerance, 3 each → 36),
    # 12 every 540 days (2 each, half of them out → 24); bins of 90 days put them at
    # t = 180 (n = 36, R = 1) and t = 540 (n = 24, R = 0.5).
    short = [[180] * 3] * 12
    long = [[540] * 2] * 12
    verdicts = [[1, 1, 1]] * 12 + [[1, 0], [0, 1]] * 6
    make_group(world, short + long, verdicts)
    review = _create(world, current_interval_days=365)
    assert review.bins == {"t": [180.0, 540.0], "n": [36, 24], "r": [1.0, 0.5]}
    assert review.s2 is not None and review.s2_error == ""
    assert len(review.s2["models"]) == 10
    assert review.plot_png is not None and bytes(review.plot_png).startswith(b"\x89PNG")
    # no resubmission within 25 % of 365 days: A3 does not run, S2 recommends
    assert review.a3 is None
    assert review.recommended_days == round(review.s2["interval"])
    page = client_for(world, "zibo_lab").get(f"/intervals/{review.pk}/")
    assert page.status_code == 200 and b'id="s2"' in page.content
    assert client_for(world, "zibo_lab").get(f"/intervals/{review.pk}/plot.png").status_code == 200


def test_bad_input_changes_nothing(world, ncsl_group) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_review(
            world.users["zibo_lab"], world.city, maker="x", model="none", regulation="JJG 1"
        )
    assert "model" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _create(world, target=1.5)
    assert "target" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _create(world, current_interval_days=90)
    assert "current_interval_days" in exc.value.message_dict
    assert not IntervalReview.objects.exists()


def test_pages_and_api_by_role(world, ncsl_group) -> None:
    review = _create(world)
    pages = ["/intervals/", f"/intervals/{review.pk}/"]
    api = ["/api/intervals/reviews", f"/api/intervals/reviews/{review.pk}"]
    # the owner's lab, the Zibo regulator and the admin see it; others do not
    for name in ["zibo_lab", "reg_zibo", "admin"]:
        client = client_for(world, name)
        for url in pages + api:
            assert client.get(url).status_code == 200, (name, url)
        assert len(client.get("/api/intervals/reviews").json()) == 1
    for name in ["sd_lab", "nim_lab", "market", "reg_bj"]:
        client = client_for(world, name)
        assert client.get(f"/intervals/{review.pk}/").status_code == 404
        assert client.get(f"/api/intervals/reviews/{review.pk}").status_code == 404
        assert client.get("/api/intervals/reviews").json() == []
    anonymous = client_for(world, None)
    for url in pages:
        assert anonymous.get(url).status_code == 302
    for url in [*api, "/api/intervals/groups"]:
        assert anonymous.get(url).status_code == 401
    # only the owner's lab staff create and accept
    body = {"model": "FA-2004", "maker": "某衡器厂", "regulation": REGULATION}
    assert (
        client_for(world, "market")
        .post("/api/intervals/reviews", body, content_type="application/json")
        .status_code
        == 403
    )
    assert client_for(world, "market").post("/intervals/", body).status_code == 403
    accept = f"/api/intervals/reviews/{review.pk}/accept"
    assert (
        client_for(world, "reg_zibo")
        .post(accept, {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(world, "reg_zibo")
        .post(f"/intervals/{review.pk}/accept/", {"reason": "x"})
        .status_code
        == 403
    )
    assert (
        client_for(world, "sd_lab")
        .post(accept, {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    groups = client_for(world, "zibo_lab").get("/api/intervals/groups").json()
    assert {"maker": "某衡器厂", "model": "FA-2004", "regulation": REGULATION} in [
        {k: g[k] for k in ("maker", "model", "regulation")} for g in groups
    ]
    assert client_for(world, "market").get("/api/intervals/groups").status_code == 403
    # the page form creates a review; the accept form writes the interval
    r = client_for(world, "zibo_lab").post("/intervals/", {**body, "current_interval_days": "abc"})
    assert r.status_code == 400 and b"whole number" in r.content
    r = client_for(world, "zibo_lab").post("/intervals/", body)
    assert r.status_code == 302
    r = client_for(world, "zibo_lab").post(
        accept, {"reason": "A3"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["accepted_days"] == 231


def test_intervals_demo_is_built_once(world) -> None:
    from jiliang.intervals.demo import build_intervals_demo

    first = build_intervals_demo(dt.date(2026, 6, 1))
    assert first == {"created": True, "reviews": 1}
    review = IntervalReview.objects.get()
    # the NCSL tutorial's 20 results again: 231 days (2019 NCSL International RP-1 tutorial)
    assert review.recommended_days == 231 and review.state == "proposed"
    assert build_intervals_demo(dt.date(2026, 6, 1))["created"] is False
