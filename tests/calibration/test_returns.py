"""Issue 13 §3: the laboratory records the instrument's return; the owner sees 已退还 /
returned. One rule (calibration/returns.py) for the page and the API: after the certificate
is issued, or with a reason; only the laboratory's own staff; nothing changes on refusal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import WORK_DAY, make_job, ready_job

pytestmark = pytest.mark.django_db

RETURN_DAY = dt.date(2025, 12, 5)
FIELDS = ("returned_on", "returned_to", "return_method", "return_tracking", "return_reason")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _issued(lab: Any) -> Any:
    from jiliang.calibration import services

    job = ready_job(lab)
    for user in (lab.recorder, lab.checker, lab.approver):
        services.sign(job, user)
    job.refresh_from_db()
    assert job.status == "issued"
    return job


def _unchanged(job: Any) -> None:
    job.refresh_from_db()
    assert [getattr(job, f) for f in FIELDS] == [None, "", "", "", ""]
    assert job.returned_by_id is None


def test_lab_returns_an_issued_job_and_the_owner_sees_it(lab: Any) -> None:
    from jiliang.accounts.audit import history

    job = _issued(lab)
    staff = _client(lab.recorder)
    page = staff.get(f"/calibration/jobs/{job.pk}/").content.decode()
    assert 'id="return-job"' in page and 'id="return-reason"' not in page  # issued: no reason
    response = staff.post(
        f"/calibration/jobs/{job.pk}/return/",
        {
            "returned_on": RETURN_DAY.isoformat(),
            "returned_to": "张三",
            "return_method": "shipped",
            "return_tracking": "SF1234567890",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/calibration/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.returned_on == RETURN_DAY and job.returned_to == "张三"
    assert (job.return_method, job.return_tracking) == ("shipped", "SF1234567890")
    assert job.returned_by == lab.recorder and job.status == "issued"
    page = staff.get(f"/calibration/jobs/{job.pk}/").content.decode()
    assert 'id="job-returned"' in page and "SF1234567890" in page
    assert 'id="return-job"' not in page  # recorded once
    # the change log has the return, by whom
    change = history("calibration.job", job.pk)[0]
    assert change.user == lab.recorder and change.after["returned_on"] == "2025-12-05"
    assert change.before["returned_on"] is None

    market = _client(lab.world.users["market"])
    assert "已退还" in market.get("/my/jobs/").content.decode()
    market.cookies["django_language"] = "en"
    assert "Returned" in market.get("/my/jobs/?status=returned").content.decode()
    rows = market.get("/api/my/jobs?status=returned").json()
    assert [(r["status"], r["returned_on"]) for r in rows] == [("returned", "2025-12-05")]
    assert rows[0]["certificate"] == job.certificate.number  # documents still there
    assert market.get("/api/my/jobs?status=issued").json() == []


def test_returning_a_job_not_issued_needs_a_reason(lab: Any) -> None:
    job = ready_job(lab)
    staff = _client(lab.recorder)
    body = {"returned_on": RETURN_DAY.isoformat(), "returned_to": "张三"}
    response = staff.post(
        f"/calibration/jobs/{job.pk}/return/", {**body, "return_method": "handed_over"}
    )
    assert response.status_code == 302
    page = staff.get(f"/calibration/jobs/{job.pk}/").content.decode()
    assert "return_reason: the job is 记录中, not issued" in page
    _unchanged(job)
    api = staff.post(
        f"/api/calibration/jobs/{job.pk}/return",
        json.dumps({**body, "method": "handed_over"}),
        content_type="application/json",
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == ["return_reason"]
    _unchanged(job)
    # with the reason it is returned without a certificate, and the job is closed
    api = staff.post(
        f"/api/calibration/jobs/{job.pk}/return",
        json.dumps({**body, "method": "handed_over", "reason": "客户撤回 withdrawn"}),
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    assert api.json()["returned"] == {
        "on": "2025-12-05",
        "to": "张三",
        "method": "handed_over",
        "tracking": "",
        "reason": "客户撤回 withdrawn",
    }
    from django.core.exceptions import ValidationError

    from jiliang.calibration import services

    job.refresh_from_db()
    with pytest.raises(ValidationError, match="returned on 2025-12-05"):
        services.sign(job, lab.recorder)
    with pytest.raises(ValidationError, match="returned on 2025-12-05"):
        services.set_conditions(
            job, lab.recorder, work_date=WORK_DAY, place="x", environment={"temperature": 20}
        )
    again = staff.post(
        f"/api/calibration/jobs/{job.pk}/return",
        json.dumps({**body, "method": "handed_over", "reason": "again"}),
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "status"
    market = _client(lab.world.users["market"])
    assert [r["status"] for r in market.get("/api/my/jobs").json()] == ["returned"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "shipped"}, "return_tracking"),
        ({"method": "pigeon"}, "return_method"),
        ({"method": "handed_over", "returned_to": " "}, "returned_to"),
        ({"method": "handed_over", "returned_on": "2025-11-30"}, "returned_on"),
        ({"method": "handed_over", "returned_on": "2999-01-01"}, "returned_on"),
        ({"method": "handed_over", "returned_to": "a\x00b"}, "returned_to"),
        ({"method": "handed_over", "returned_to": "x" * 161}, "returned_to"),
    ],
)
def test_bad_returns_answer_400_and_change_nothing(
    lab: Any, body: dict[str, str], field: str
) -> None:
    job = _issued(lab)
    payload = {"returned_on": RETURN_DAY.isoformat(), "returned_to": "张三", **body}
    response = _client(lab.recorder).post(
        f"/api/calibration/jobs/{job.pk}/return",
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    _unchanged(job)


@pytest.mark.parametrize(("user", "status"), [("sd_lab", 404), ("market", 404), ("reg_zibo", 403)])
def test_only_the_labs_own_staff_return(lab: Any, user: str, status: int) -> None:
    job = make_job(lab)
    client = _client(lab.world.users[user])
    body = {"returned_on": RETURN_DAY.isoformat(), "returned_to": "张三", "reason": "refused"}
    api = client.post(
        f"/api/calibration/jobs/{job.pk}/return",
        json.dumps({**body, "method": "handed_over"}),
        content_type="application/json",
    )
    assert api.status_code == status
    page = client.post(
        f"/calibration/jobs/{job.pk}/return/",
        {**body, "return_method": "handed_over", "return_reason": "refused"},
    )
    # another lab or the owner: the job is not found; a regulator sees it but may not act
    assert page.status_code == (404 if status == 404 else 302)
    _unchanged(job)


def test_the_owner_is_told_of_the_return(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.notices.collect import Scope, job_notices

    market = lab.world.users["market"]
    job = _issued(lab)
    scope = Scope(user_id=market.pk)
    before = [c for c in job_notices(RETURN_DAY, scope) if c.subject == f"job:{job.pk}"]
    assert [c.period for c in before] == ["issued"]
    services.return_job(
        job, lab.recorder, returned_on=RETURN_DAY, returned_to="张三", method="handed_over"
    )
    after = [c for c in job_notices(RETURN_DAY, scope) if c.subject == f"job:{job.pk}"]
    assert [(c.period, c.title_en.rsplit(": ", 1)[1]) for c in after] == [("returned", "returned")]
    assert after[0].title_zh.endswith("：已退还")
