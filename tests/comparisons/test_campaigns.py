"""Campaign workflow: the published Cox example through the platform, sealing, bad input."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from jiliang.comparisons import services
from jiliang.comparisons.models import CapabilityEvidence, ReportFile, Submission
from tests.comparisons.conftest import (
    COX_VALUES,
    LAB_USERS,
    accept_and_submit,
    client_for,
    move_deadline,
)


def test_cox_bipm_example_closes_to_the_published_reference(comparison) -> None:
    # Cox, Metrologia 39 (2002) 589, section 5: x_ref = 43877, u(x_ref) = 53, chi2 = 1.78,
    # consistent (chi2 with 4 degrees of freedom, 5 % level).
    accept_and_submit(comparison)
    move_deadline(comparison.campaign, past=True)
    campaign = services.close(comparison.users["centre"], comparison.campaign)
    ref = campaign.result["reference"]
    assert round(ref["value"]) == 43877
    assert round(ref["u"]) == 53
    assert round(campaign.result["consistency"]["chi2"], 2) == 1.78
    assert campaign.result["consistency"]["consistent"] is True
    labs = {row["value"]: row for row in campaign.result["labs"]}
    assert set(labs) == set(COX_VALUES)
    # u^2(d_i) = u_i^2 - u^2(x_ref) for a lab in the weighted mean (Cox 2002, eq. 7).
    first = labs[43772.0]
    assert first["U_d"] == pytest.approx(2 * (97.0**2 - ref["u"] ** 2) ** 0.5, rel=1e-12)
    evidence = CapabilityEvidence.objects.filter(campaign=campaign)
    assert evidence.count() == 5
    assert {e.institution_id for e in evidence} == {i.pk for i in comparison.labs}
    formats = set(ReportFile.objects.filter(campaign=campaign).values_list("format", flat=True))
    assert {"pdf", "csv", "json", "doe.png"} <= formats
    pdf = ReportFile.objects.get(campaign=campaign, format="pdf")
    assert bytes(pdf.content).startswith(b"%PDF")
    csv_text = bytes(ReportFile.objects.get(campaign=campaign, format="csv").content).decode()
    assert csv_text.splitlines()[0] == "lab,value,u,dof,d,U_d,En,zeta,z"
    data = json.loads(bytes(ReportFile.objects.get(campaign=campaign, format="json").content))
    assert round(data["reference"]["value"]) == 43877


def test_mandel_plot_when_three_labs_give_replicates(comparison) -> None:
    reps = {
        "nim_lab": {"replicates": [43770.0, 43774.0, 43772.0]},
        "sd_lab": {"replicates": [43905.0, 43915.0, 43910.0]},
        "zibo_lab": {"replicates": [43940.0, 43954.0, 43947.0]},
    }
    accept_and_submit(comparison, **reps)
    move_deadline(comparison.campaign, past=True)
    campaign = services.close(comparison.users["centre"], comparison.campaign)
    assert campaign.result["mandel"] is not None
    assert len(campaign.result["mandel"]["h"]) == 3
    png = ReportFile.objects.get(campaign=campaign, format="mandel.png")
    assert bytes(png.content).startswith(b"\x89PNG")


def _seen(cmp, name) -> set[float]:
    response = client_for(cmp.users, name).get(
        f"/api/comparisons/campaigns/{cmp.campaign.pk}/submissions"
    )
    assert response.status_code == 200, response.content
    return {row["value"] for row in response.json()}


def test_sealed_until_deadline_then_pilot_then_everyone(comparison) -> None:
    accept_and_submit(comparison)
    # before the deadline: each lab sees only its own result; the pilot sees nothing
    for name, x in zip(LAB_USERS, COX_VALUES, strict=True):
        assert _seen(comparison, name) == {x}
    assert _seen(comparison, "centre") == set()
    assert _seen(comparison, "admin") == set()
    pk = comparison.campaign.pk
    page = client_for(comparison.users, "sd_lab").get(f"/comparisons/{pk}/")
    assert page.status_code == 200
    assert b"43772" not in page.content and b"43910" in page.content
    # after the deadline: the pilot sees all, participants still only their own
    move_deadline(comparison.campaign, past=True)
    assert _seen(comparison, "centre") == set(COX_VALUES)
    assert _seen(comparison, "sd_lab") == {43910.0}
    assert _seen(comparison, "nim_lab") == {43772.0}
    results = client_for(comparison.users, "sd_lab").get(f"/api/comparisons/campaigns/{pk}/results")
    assert results.status_code == 404
    # after closing: every participant sees all results
    response = client_for(comparison.users, "centre").post(f"/api/comparisons/campaigns/{pk}/close")
    assert response.status_code == 200, response.content
    assert _seen(comparison, "nim_lab") == set(COX_VALUES)
    results = client_for(comparison.users, "sd_lab").get(f"/api/comparisons/campaigns/{pk}/results")
    assert results.status_code == 200
    assert round(results.json()["reference"]["value"]) == 43877


def test_late_or_unaccepted_or_bad_submissions_change_nothing(comparison) -> None:
    campaign = comparison.campaign
    users = comparison.users
    api = f"/api/comparisons/campaigns/{campaign.pk}/submission"
    # not yet accepted
    r = client_for(users, "sd_lab").put(
        api, {"value": 1.0, "u": 0.1}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "state"
    services.respond(users["sd_lab"], campaign, True)
    # u must be > 0
    r = client_for(users, "sd_lab").put(
        api, {"value": 1.0, "u": 0}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "u", "reason": "must be a finite number > 0"}]
    # a single replicate is refused
    with pytest.raises(ValidationError) as exc:
        services.submit(users["sd_lab"], campaign, value=1.0, u=0.1, replicates=[1.0])
    assert "replicates" in exc.value.message_dict
    assert not Submission.objects.exists()
    # a good one, then the deadline passes: no more changes
    services.submit(users["sd_lab"], campaign, value=1.0, u=0.1)
    move_deadline(campaign, past=True)
    r = client_for(users, "sd_lab").put(
        api, {"value": 2.0, "u": 0.1}, content_type="application/json"
    )
    assert r.status_code == 400
    assert Submission.objects.get().value == 1.0
    # the pilot cannot submit for a lab, an outsider cannot see the campaign
    r = client_for(users, "centre").put(
        api, {"value": 2.0, "u": 0.1}, content_type="application/json"
    )
    assert r.status_code == 403
    r = client_for(users, "market").put(
        api, {"value": 2.0, "u": 0.1}, content_type="application/json"
    )
    assert r.status_code == 404
    r = client_for(users, None).put(api, {"value": 2.0, "u": 0.1}, content_type="application/json")
    assert r.status_code == 401


def test_close_only_by_pilot_after_deadline_with_enough_results(comparison) -> None:
    campaign = comparison.campaign
    users = comparison.users
    close = f"/api/comparisons/campaigns/{campaign.pk}/close"
    accept_and_submit(comparison)
    r = client_for(users, "centre").post(close)
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "deadline"
    move_deadline(campaign, past=True)
    assert client_for(users, "sd_lab").post(close).status_code == 403
    assert client_for(users, "market").post(close).status_code == 404
    assert client_for(users, "centre").post(close).status_code == 200
    # closing twice is refused and nothing is recomputed
    assert client_for(users, "centre").post(close).status_code == 400
    assert CapabilityEvidence.objects.count() == 5


def test_close_needs_two_results(comparison) -> None:
    services.respond(comparison.users["sd_lab"], comparison.campaign, True)
    services.submit(comparison.users["sd_lab"], comparison.campaign, value=1.0, u=0.1)
    move_deadline(comparison.campaign, past=True)
    with pytest.raises(ValidationError) as exc:
        services.close(comparison.users["centre"], comparison.campaign)
    assert "submissions" in exc.value.message_dict
    comparison.campaign.refresh_from_db()
    assert comparison.campaign.status == "open"


def test_invitations_and_schedule_rules(comparison) -> None:
    import datetime as dt

    campaign = comparison.campaign
    users = comparison.users
    api = f"/api/comparisons/campaigns/{campaign.pk}/participants"
    market = comparison.world.market.pk
    r = client_for(users, "centre").post(
        api, {"institution": market}, content_type="application/json"
    )
    assert r.status_code == 400  # not a laboratory
    r = client_for(users, "centre").post(
        api, {"institution": comparison.world.nim.pk}, content_type="application/json"
    )
    assert r.status_code == 400  # already invited
    assert (
        client_for(users, "sd_lab")
        .post(api, {"institution": comparison.centre.pk}, content_type="application/json")
        .status_code
        == 403
    )
    # the circulation must run forward in time
    with pytest.raises(ValidationError) as exc:
        services.invite(
            users["centre"],
            campaign,
            comparison.centre,
            ship_date=dt.date(2026, 7, 2),
            receive_date=dt.date(2026, 7, 1),
        )
    assert "receive_date" in exc.value.message_dict
    p = services.invite(
        users["centre"],
        campaign,
        comparison.centre,
        ship_date=timezone_date(0),
        receive_date=timezone_date(1),
        measure_from=timezone_date(2),
        measure_until=timezone_date(5),
    )
    assert p.order == 6
    # the pilot moves a slot; a participant cannot; the order of dates is checked
    url = f"/api/comparisons/campaigns/{campaign.pk}/participants/{comparison.centre.pk}"
    slot = {"ship_date": str(timezone_date(3)), "measure_until": str(timezone_date(9))}
    r = client_for(users, "centre").put(url, slot, content_type="application/json")
    assert r.status_code == 200 and r.json()["ship_date"] == slot["ship_date"]
    assert (
        client_for(users, "sd_lab").put(url, slot, content_type="application/json").status_code
        == 403
    )
    bad = {"ship_date": str(timezone_date(3)), "receive_date": str(timezone_date(2))}
    r = client_for(users, "centre").put(url, bad, content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "receive_date"
    p.refresh_from_db()
    assert p.ship_date == timezone_date(3) and p.receive_date is None
    # a declined invitation cannot be answered again
    services.respond(users["lab_e"], campaign, False)
    with pytest.raises(ValidationError):
        services.respond(users["lab_e"], campaign, True)


def timezone_date(days: int):
    import datetime as dt

    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=days)


def test_create_campaign_validation(comparison) -> None:
    users = comparison.users
    body = {
        "code": "EC-M-2026-01",
        "title": "",
        "measurand": "m",
        "unit": "g",
        "method": "median",
        "deadline": "2020-01-01T00:00:00+00:00",
    }
    r = client_for(users, "centre").post(
        "/api/comparisons/campaigns", body, content_type="application/json"
    )
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"code", "title", "method", "deadline"}
    # an instrument owner cannot pilot a comparison
    body.update(code="X-1", title="t", method="pmm", deadline="2099-01-01T00:00:00+00:00")
    r = client_for(users, "market").post(
        "/api/comparisons/campaigns", body, content_type="application/json"
    )
    assert r.status_code == 403
    r = client_for(users, "zibo_lab").post(
        "/api/comparisons/campaigns", body, content_type="application/json"
    )
    assert r.status_code == 201
    assert r.json()["pilot"] == comparison.world.city.pk
