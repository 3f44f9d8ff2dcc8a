"""Who may see or do what, page by page and endpoint by endpoint."""

from __future__ import annotations

import pytest

from jiliang.comparisons import services
from tests.comparisons.conftest import accept_and_submit, client_for, move_deadline

MEMBERS = ["centre", "nim_lab", "sd_lab", "zibo_lab", "lab_d", "lab_e", "admin"]
OUTSIDERS = ["market", "taxi", "reg_zibo", "reg_bj"]


@pytest.fixture
def closed(comparison):
    accept_and_submit(comparison)
    move_deadline(comparison.campaign, past=True)
    services.close(comparison.users["centre"], comparison.campaign)
    return comparison


def test_pages_and_api_by_role(closed) -> None:
    pk = closed.campaign.pk
    pages = [
        f"/comparisons/{pk}/",
        f"/comparisons/{pk}/results/",
        f"/comparisons/{pk}/report.pdf",
        f"/comparisons/{pk}/report.csv",
        f"/comparisons/{pk}/report.json",
        f"/comparisons/{pk}/report.doe.png",
    ]
    api = [
        f"/api/comparisons/campaigns/{pk}",
        f"/api/comparisons/campaigns/{pk}/submissions",
        f"/api/comparisons/campaigns/{pk}/results",
        f"/api/comparisons/campaigns/{pk}/report/pdf",
    ]
    for name in MEMBERS:
        client = client_for(closed.users, name)
        for url in pages + api:
            assert client.get(url).status_code == 200, (name, url)
        listing = client.get("/api/comparisons/campaigns").json()
        assert [c["code"] for c in listing] == ["EC-M-2026-01"]
        assert b"EC-M-2026-01" in client.get("/comparisons/").content
    for name in OUTSIDERS:
        client = client_for(closed.users, name)
        for url in pages + api:
            assert client.get(url).status_code == 404, (name, url)
        assert client.get("/api/comparisons/campaigns").json() == []
    anonymous = client_for(closed.users, None)
    for url in [*pages, "/comparisons/", "/comparisons/new/"]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in api:
        assert anonymous.get(url).status_code == 401
    # an unknown report format is not found, for members too
    member = client_for(closed.users, "sd_lab")
    assert member.get(f"/comparisons/{pk}/report.exe").status_code == 404
    _evidence_visibility(closed)


def test_results_pages_wait_for_closing(comparison) -> None:
    accept_and_submit(comparison)
    pk = comparison.campaign.pk
    for name in ["centre", "sd_lab", "admin"]:
        client = client_for(comparison.users, name)
        assert client.get(f"/comparisons/{pk}/results/").status_code == 404
        assert client.get(f"/comparisons/{pk}/report.pdf").status_code == 404


def test_page_actions_by_role(comparison) -> None:
    pk = comparison.campaign.pk
    users = comparison.users
    # only an invited lab answers; only the pilot invites and closes
    assert (
        client_for(users, "centre")
        .post(f"/comparisons/{pk}/respond/", {"answer": "accept"})
        .status_code
        == 403
    )
    assert (
        client_for(users, "market")
        .post(f"/comparisons/{pk}/respond/", {"answer": "accept"})
        .status_code
        == 404
    )
    r = client_for(users, "sd_lab").post(f"/comparisons/{pk}/respond/", {"answer": "accept"})
    assert r.status_code == 302
    assert (
        client_for(users, "sd_lab")
        .post(f"/comparisons/{pk}/invite/", {"institution": comparison.centre.pk})
        .status_code
        == 403
    )
    assert client_for(users, "sd_lab").post(f"/comparisons/{pk}/close/").status_code == 403
    # the submission form: own lab only; bad input answers 400 and stores nothing
    assert client_for(users, "centre").get(f"/comparisons/{pk}/submit/").status_code == 403
    form = client_for(users, "sd_lab")
    assert form.get(f"/comparisons/{pk}/submit/").status_code == 200
    bad = form.post(f"/comparisons/{pk}/submit/", {"value": "abc", "u": "1"})
    assert bad.status_code == 400 and b"value: must be a number" in bad.content
    ok = form.post(f"/comparisons/{pk}/submit/", {"value": "1.5", "u": "0.2", "replicates": "1 2"})
    assert ok.status_code == 302
    assert comparison.campaign.participants.get(
        institution=comparison.world.province
    ).submission.replicates == [1.0, 2.0]
    # the pilot's invite and close on the page
    r = client_for(users, "centre").post(
        f"/comparisons/{pk}/invite/", {"institution": comparison.centre.pk}
    )
    assert r.status_code == 302
    r = client_for(users, "centre").post(f"/comparisons/{pk}/close/")
    assert r.status_code == 400 and b"only after its deadline" in r.content


def test_new_campaign_page(comparison) -> None:
    users = comparison.users
    data = {
        "code": "PT-2026-9",
        "title": "压力能力验证 Pressure PT",
        "kind": "proficiency",
        "measurand": "pressure at 1 MPa",
        "unit": "kPa",
        "method": "algorithm-a",
        "deadline": "2099-05-01T12:00",
    }
    assert client_for(users, "market").post("/comparisons/new/", data).status_code == 403
    bad = client_for(users, "zibo_lab").post("/comparisons/new/", {**data, "deadline": "soon"})
    assert bad.status_code == 400 and b"deadline" in bad.content
    ok = client_for(users, "zibo_lab").post("/comparisons/new/", data)
    assert ok.status_code == 302


def test_admin_never_shows_sealed_submissions(comparison) -> None:
    from jiliang.accounts.models import ChangeRecord

    accept_and_submit(comparison)
    # the change log (readable in the admin) holds no sealed value
    assert not ChangeRecord.objects.filter(model__icontains="submission").exists()
    admin = client_for(comparison.users, "admin")
    assert admin.get("/admin/comparisons/campaign/").status_code == 200
    assert admin.get("/admin/comparisons/submission/").status_code == 404
    assert admin.get("/admin/intervals/intervalreview/").status_code == 200
    assert admin.get("/admin/lots/lot/").status_code == 200
    assert admin.get("/admin/lots/sampleitem/").status_code == 200


def _evidence_visibility(closed) -> None:
    province = closed.world.province.pk
    seen = {}
    for name in ["sd_lab", "nim_lab", "reg_zibo", "reg_bj", "admin", "market"]:
        rows = client_for(closed.users, name).get("/api/comparisons/evidence").json()
        seen[name] = {r["institution"] for r in rows}
    assert seen["sd_lab"] == {province}
    assert seen["nim_lab"] == {closed.world.nim.pk}
    assert seen["reg_zibo"] == {closed.world.city.pk}  # Zibo region 3703…
    assert seen["reg_bj"] == {closed.world.nim.pk}
    assert seen["admin"] == {i.pk for i in closed.labs}
    assert seen["market"] == set()
    page = client_for(closed.users, "sd_lab").get(f"/comparisons/evidence/{province}/")
    assert page.status_code == 200 and "EC-M-2026-01" in page.content.decode()
