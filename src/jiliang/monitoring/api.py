"""API of the `monitoring` app (mounted at /api/energy/): uploads, energy users, reports."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from jiliang.bounds import Id
from jiliang.monitoring.ingest import MAX_BODY_BYTES, MAX_ITEMS, BatchRefused, ingest
from jiliang.monitoring.models import EnergyUser, MrvReport

router = Router(tags=["monitoring"])

_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["point", "start", "value"],
    "additionalProperties": False,
    "properties": {
        "point": {"type": "string", "minLength": 1, "maxLength": 40},
        "start": {
            "type": "string",
            "description": "period start, ISO 8601 with offset, e.g. 2026-05-01T00:15:00+08:00",
        },
        "value": {"type": "number", "description": "register reading or interval quantity"},
        "kind": {"type": "string", "enum": ["register", "interval"], "default": "register"},
        "quality": {"type": "string", "maxLength": 16, "description": "optional quality code"},
    },
}
UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message_id", "user", "items"],
    "additionalProperties": False,
    "properties": {
        "message_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
        "user": {"type": "string", "minLength": 1, "maxLength": 40},
        "items": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": _ITEM_SCHEMA},
        "signature": {
            "type": "string",
            "pattern": "^([0-9a-f]{128})?$",
            "description": "Ed25519 over the canonical JSON of the body without this field",
        },
    },
}


def _json(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


@router.post(
    "/uploads",
    response={200: dict[str, Any]},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": UPLOAD_SCHEMA}},
        }
    },
)
def upload(request: HttpRequest) -> HttpResponse:
    """A batch of readings from an enterprise end. The answer acknowledges the message id
    only once the readings are durable; a resend of the same message id gets the same
    acknowledgement (`duplicate: true`) and stores nothing again. At most
    {MAX_ITEMS} items and {MAX_BODY_BYTES} bytes per batch; a bad item gets 400 naming
    `items[i].field` and nothing is written."""
    try:
        raw = request.body
    except Exception:
        raise HttpError(400, f"body larger than {MAX_BODY_BYTES} bytes") from None
    try:
        ack = ingest(raw, request.auth, "api")  # type: ignore[attr-defined]
    except BatchRefused as exc:
        return _json({"detail": exc.detail, "errors": exc.errors}, exc.status)
    return _json(ack.as_dict())


upload.__doc__ = (upload.__doc__ or "").replace("{MAX_ITEMS}", str(MAX_ITEMS))
upload.__doc__ = upload.__doc__.replace("{MAX_BODY_BYTES}", str(MAX_BODY_BYTES))


class EnergyUserOut(Schema):
    code: str
    name: str
    division_code: str
    sector: str
    points: int


@router.get("/users", response=list[EnergyUserOut])
def users(request: HttpRequest) -> Any:
    """Energy users visible to the caller (their own; a regulator its region)."""
    rows = EnergyUser.objects.visible_to(request.auth).select_related("institution")  # type: ignore[attr-defined]
    return [
        {
            "code": u.code,
            "name": u.institution.name_zh,
            "division_code": u.institution.division_code,
            "sector": u.sector,
            "points": u.points.count(),
        }
        for u in rows[:1000]
    ]


def _user(request: HttpRequest, code: str) -> EnergyUser:
    found = (
        EnergyUser.objects.visible_to(request.auth)  # type: ignore[attr-defined]
        .select_related("institution")
        .filter(code=code[:40])
        .first()
    )
    if found is None:
        raise HttpError(404, "no such energy user (or not visible)")
    return found


@router.get("/users/{code}/dashboard", response=dict[str, Any])
def dashboard(request: HttpRequest, code: str) -> Any:
    """The figures of the energy user's dashboard (daily energy, tce, CO₂, quality)."""
    from jiliang.monitoring.dashboards import user_dashboard

    return user_dashboard(_user(request, code))


class ReportOut(Schema):
    id: int
    user: str
    period: str
    start: str
    version: int
    reason: str
    sha256: str
    leaf_index: int | None


@router.get("/reports/{report_id}", response=dict[str, Any])
def report(request: HttpRequest, report_id: Id) -> Any:
    """An issued MRV report: its body, signature and the ledger inclusion proof."""
    from jiliang.monitoring.reports import proof_of

    found = MrvReport.objects.visible_to(request.auth).filter(pk=report_id).first()  # type: ignore[attr-defined]
    if found is None:
        raise HttpError(404, "no such report (or not visible)")
    return {
        "body": found.body,
        "sha256": found.sha256,
        "signature": found.signature,
        "key_id": found.key_id,
        "leaf_index": found.leaf_index,
        "proof": proof_of(found),
    }
