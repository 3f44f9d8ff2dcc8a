"""REST endpoints of the comparisons app; sealing and scoping come from services.py."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id, IsoDate, IsoDateTime
from jiliang.comparisons import services
from jiliang.comparisons.models import Campaign, Participant, Submission
from jiliang.openapi import file_response
from jiliang.registry.models import Institution

router = Router(tags=["comparisons"])


class CampaignIn(Schema):
    code: str
    title: str
    measurand: str
    unit: str
    method: str
    deadline: IsoDateTime
    kind: str = "comparison"
    quantity: str = ""
    sigma_pt: float | None = None


class InviteIn(Schema):
    institution: Id
    ship_date: IsoDate | None = None
    receive_date: IsoDate | None = None
    measure_from: IsoDate | None = None
    measure_until: IsoDate | None = None


class RespondIn(Schema):
    accept: bool


class SubmissionIn(Schema):
    value: float
    u: float
    dof: float | None = None
    replicates: list[float] = []


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(services.campaigns_for(api_user(request)), pk=pk)


def _participant(p: Participant) -> dict[str, Any]:
    return {
        "institution": p.institution_id,
        "name": p.institution.name_zh,
        "state": p.state,
        "order": p.order,
        "ship_date": p.ship_date,
        "receive_date": p.receive_date,
        "measure_from": p.measure_from,
        "measure_until": p.measure_until,
    }


def _campaign_out(c: Campaign, user: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "title": c.title,
        "kind": c.kind,
        "pilot": c.pilot_id,
        "measurand": c.measurand,
        "unit": c.unit,
        "method": c.method,
        "deadline": c.deadline,
        "status": c.status,
        "deadline_passed": services.deadline_passed(c),
        "can_manage": services.can_manage(user, c),
        "participants": [_participant(p) for p in c.participants.select_related("institution")],
    }


def _submission(s: Submission) -> dict[str, Any]:
    return {
        "institution": s.participant.institution_id,
        "value": s.value,
        "u": s.u,
        "dof": s.dof,
        "replicates": s.replicates,
        "submitted_at": s.submitted_at,
    }


def _guard(call: Any) -> Any:
    try:
        return call()
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc


@router.get("/campaigns")
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    return [_campaign_out(c, user) for c in services.campaigns_for(user)]


@router.post("/campaigns", response={201: dict[str, Any]})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[Any]:
    user = api_user(request)
    c = _guard(lambda: services.create_campaign(user, **payload.dict()))
    return Status(201, _campaign_out(c, user))


@router.get("/campaigns/{pk}")
def get_campaign(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _campaign_out(_campaign(request, pk), api_user(request))


@router.post("/campaigns/{pk}/participants", response={201: dict[str, Any]})
def invite(request: HttpRequest, pk: int, payload: InviteIn) -> Status[Any]:
    campaign = _campaign(request, pk)
    inst = Institution.objects.filter(pk=payload.institution).first()
    if inst is None:
        raise ValidationError({"institution": [f"no institution {payload.institution}"]})
    data = payload.dict()
    data.pop("institution")
    p = _guard(lambda: services.invite(api_user(request), campaign, inst, **data))
    return Status(201, _participant(p))


class ScheduleIn(Schema):
    ship_date: IsoDate | None = None
    receive_date: IsoDate | None = None
    measure_from: IsoDate | None = None
    measure_until: IsoDate | None = None


@router.put("/campaigns/{pk}/participants/{institution}")
def set_schedule(
    request: HttpRequest, pk: int, institution: Id, payload: ScheduleIn
) -> dict[str, Any]:
    """The pilot's plan of the artefact's circulation for one participant."""
    campaign = _campaign(request, pk)
    entry = get_object_or_404(campaign.participants, institution_id=institution)
    p = _guard(lambda: services.set_schedule(api_user(request), entry, **payload.dict()))
    return _participant(p)


@router.post("/campaigns/{pk}/respond")
def respond(request: HttpRequest, pk: int, payload: RespondIn) -> dict[str, Any]:
    campaign = _campaign(request, pk)
    p = _guard(lambda: services.respond(api_user(request), campaign, payload.accept))
    return _participant(p)


@router.put("/campaigns/{pk}/submission")
def submit(request: HttpRequest, pk: int, payload: SubmissionIn) -> dict[str, Any]:
    campaign = _campaign(request, pk)
    s = _guard(lambda: services.submit(api_user(request), campaign, **payload.dict()))
    return _submission(s)


@router.get("/campaigns/{pk}/submissions")
def submissions(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    """Only what the sealing rule lets this user see (own result before the deadline)."""
    campaign = _campaign(request, pk)
    return [_submission(s) for s in services.visible_submissions(api_user(request), campaign)]


@router.post("/campaigns/{pk}/close")
def close(request: HttpRequest, pk: int) -> dict[str, Any]:
    campaign = _campaign(request, pk)
    c = _guard(lambda: services.close(api_user(request), campaign))
    return c.result or {}


@router.get("/campaigns/{pk}/results")
def results(request: HttpRequest, pk: int) -> dict[str, Any]:
    data = services.results_for(api_user(request), _campaign(request, pk))
    if data is None:
        raise HttpError(404, "results are published when the pilot closes the campaign")
    return data


@router.get(
    "/campaigns/{pk}/report/{fmt}",
    openapi_extra=file_response("application/pdf", "text/csv", "application/json", "image/png"),
)
def report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    file = services.report_file(api_user(request), campaign, fmt)
    if file is None:
        raise HttpError(404, "no such report file (published when the campaign is closed)")
    response = HttpResponse(bytes(file.content), content_type=services.REPORT_FORMATS[fmt])
    response["X-Content-SHA256"] = file.sha256
    return response


@router.get("/evidence")
def evidence(request: HttpRequest, institution: Id | None = None) -> list[dict[str, Any]]:
    qs = services.evidence_for(api_user(request))
    if institution is not None:
        qs = qs.filter(institution_id=institution)
    return [
        {
            "institution": e.institution_id,
            "campaign": e.campaign.code,
            "measurand": e.measurand,
            "unit": e.unit,
            "d": e.d,
            "U_d": e.U_d,
            "En": e.En,
            "zeta": e.zeta,
            "z": e.z,
            "en_satisfactory": e.en_satisfactory,
            "recorded_at": e.recorded_at,
        }
        for e in qs
    ]
