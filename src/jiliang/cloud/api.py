"""API of the metrology cloud (mounted at /api/cloud/): capabilities with facets, demands and
their matching, open data pages and the statistics. Public reads need no login; demands do.

400 with field + reason for a refused write, 403 for a role that may not act, 404 for what
does not exist or is not the caller's to see (one answer for both), 401 when anonymous.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id
from jiliang.cloud import opendata, services
from jiliang.cloud.models import Capability, Demand
from jiliang.cloud.statistics import statistics
from jiliang.registry.schemas import ErrorOut

router = Router(tags=["cloud"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_RESULTS = 200


class SearchIn(Schema):
    quantity: str = Field("", max_length=40)
    province: str = Field("", max_length=6)
    kind: str = Field("", max_length=20)
    q: str = Field("", max_length=60)
    limit: int = Field(50, ge=1, le=MAX_RESULTS)
    offset: int = Field(0, ge=0, le=100_000)


def _cap_json(cap: Capability) -> dict[str, Any]:
    return {
        "id": cap.code,
        "institution": cap.institution.name_zh,
        "institution_id": cap.institution_id,
        "quantity": cap.quantity.code,
        "instrument": cap.instrument,
        "range": {"min": cap.range_min, "max": cap.range_max, "unit": cap.unit},
        "uncertainty": cap.uncertainty,
        "method": cap.method,
        "turnaround_days": cap.turnaround_days,
    }


@router.get("/capabilities", response={200: dict[str, Any], **ERRORS}, auth=None)
def capabilities(request: HttpRequest, filters: Query[SearchIn]) -> dict[str, Any]:
    """Faceted search of the published CMCs: each facet counts the other filters' matches."""
    rows, facets = services.search(filters.dict())
    page = list(rows[filters.offset : filters.offset + filters.limit])
    return {"facets": facets, "results": [_cap_json(c) for c in page]}


@router.get("/capabilities/export", response={200: dict[str, Any]}, auth=None)
def export(request: HttpRequest, quantity: str = Query("", max_length=40)) -> dict[str, Any]:
    """The catalogue in the file format of `jiliang cmc match` (docs/cloud.md)."""
    from jiliang.capability import cmc_to_dict

    rows = Capability.objects.select_related("institution", "quantity").prefetch_related(
        "standards"
    )
    if quantity:
        rows = rows.filter(quantity__code=quantity)
    return {"cmcs": [cmc_to_dict(services.to_core(c)) for c in rows.order_by("id")[:50_000]]}


class CapabilityIn(Schema):
    id: str = Field(max_length=40)
    quantity: str = Field(max_length=40)
    instrument: str = Field("", max_length=160)
    range: dict[str, Any]
    uncertainty: dict[str, Any]
    method: str = Field("", max_length=160)
    turnaround_days: int | None = Field(None, ge=0, le=3650)
    standards: list[str] = Field(default_factory=list, max_length=50)


@router.post("/capabilities", response={201: dict[str, Any], **ERRORS})
def create_capability(request: HttpRequest, body: CapabilityIn) -> Status:
    user = api_user(request)
    try:
        cap = services.create_capability(user, body.dict())
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    return Status(201, _cap_json(cap))


class DemandIn(Schema):
    title: str = Field("", max_length=160)
    quantity: str = Field(max_length=40)
    value: float | None = None
    range: dict[str, Any] | None = None
    unit: str = Field("", max_length=20)
    required_U: dict[str, Any]
    deadline: dt.date


def _demand_json(demand: Demand) -> dict[str, Any]:
    return {
        "id": demand.pk,
        "title": demand.title,
        "owner": demand.owner.name_zh,
        "quantity": demand.quantity.code,
        "range": {"min": demand.low, "max": demand.high, "unit": demand.unit},
        "required_U": {
            "value": demand.required_u,
            "unit": demand.required_u_unit,
            "k": demand.required_k,
        },
        "division_code": demand.division_code,
        "deadline": demand.deadline.isoformat(),
        "status": demand.status,
    }


@router.get("/demands", response={200: list[dict[str, Any]], **ERRORS})
def demands(request: HttpRequest, limit: int = Query(50, ge=1, le=200)) -> list[dict[str, Any]]:
    user = api_user(request)
    rows = Demand.objects.visible_to(user).select_related("owner", "quantity")[:limit]
    return [_demand_json(d) for d in rows]


@router.post("/demands", response={201: dict[str, Any], **ERRORS})
def create_demand(request: HttpRequest, body: DemandIn) -> Status:
    user = api_user(request)
    data = {k: v for k, v in body.dict().items() if v is not None}
    data["deadline"] = body.deadline.isoformat()
    try:
        demand = services.create_demand(user, data)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    return Status(201, _demand_json(demand))


def _visible_demand(request: HttpRequest, pk: int) -> tuple[Any, Demand]:
    user = api_user(request)
    demand = (
        Demand.objects.visible_to(user).select_related("owner", "quantity").filter(pk=pk).first()
    )
    if demand is None:
        raise HttpError(404, "no such demand")
    return user, demand


@router.get("/demands/{pk}/matches", response={200: dict[str, Any], **ERRORS})
def demand_matches(request: HttpRequest, pk: Id) -> dict[str, Any]:
    """The ranked capabilities for the demand and why each other one was left out."""
    from jiliang.cli.cmc import result_json

    _user, demand = _visible_demand(request, pk)
    result, _caps = services.match_demand(demand)
    return {
        "demand": _demand_json(demand),
        **{k: v for k, v in result_json(result).items() if k != "demand"},
    }


class AnswerIn(Schema):
    capability: str = Field(max_length=40)
    note: str = Field("", max_length=400)


@router.post("/demands/{pk}/answers", response={201: dict[str, Any], **ERRORS})
def answer(request: HttpRequest, pk: Id, body: AnswerIn) -> Status:
    user, demand = _visible_demand(request, pk)
    try:
        created = services.answer(user, demand, body.capability, body.note)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    body = {
        "id": created.pk,
        "capability": created.capability.code,
        "provider": created.provider.name_zh,
    }
    return Status(201, body)


class PickIn(Schema):
    answer: Id


@router.post("/demands/{pk}/pick", response={200: dict[str, Any], **ERRORS})
def pick(request: HttpRequest, pk: Id, body: PickIn) -> dict[str, Any]:
    user, demand = _visible_demand(request, pk)
    try:
        services.pick(user, demand, body.answer)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    demand.refresh_from_db()
    return _demand_json(demand)


@router.post("/demands/{pk}/met", response={200: dict[str, Any], **ERRORS})
def met(request: HttpRequest, pk: Id) -> dict[str, Any]:
    user, demand = _visible_demand(request, pk)
    try:
        services.mark_met(user, demand, dt.date.today())
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
    demand.refresh_from_db()
    return _demand_json(demand)


@router.get("/open", response={200: list[dict[str, Any]]}, auth=None)
def open_registers(request: HttpRequest) -> list[dict[str, Any]]:
    """The data dictionary: each public register, its fields and their meaning."""
    return opendata.dictionary()


@router.get("/open/{name}", response={200: dict[str, Any], 404: ErrorOut}, auth=None)
def open_page(
    request: HttpRequest,
    name: str,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(100, ge=1, le=opendata.MAX_PAGE_SIZE),
) -> dict[str, Any]:
    """One page of a public register (`next_page` is null on the last)."""
    found = opendata.REGISTERS.get(name)
    if found is None:
        raise HttpError(404, "no such register")
    return opendata.page(found, page, page_size)


@router.get("/statistics", response={200: dict[str, Any]}, auth=None)
def statistics_api(request: HttpRequest) -> dict[str, Any]:
    """The same figures as the statistics page, computed from the records."""
    return statistics(dt.date.today())
