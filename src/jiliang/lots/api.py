"""REST endpoints of meter lots; rules and scoping in services.py."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jiliang.accounts.api_auth import api_user
from jiliang.lots import services
from jiliang.lots.models import Lot

router = Router(tags=["lots"])


class LotIn(Schema):
    maker: str
    model: str
    production_batch: str
    installation_year: int
    code: str = ""


class DrawIn(Schema):
    seed: str = ""
    lq: float | None = None


class ResultIn(Schema):
    serial: str
    result: str
    note: str = ""


class ApproveIn(Schema):
    approved: bool
    note: str = ""


def _lot(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(services.lots_for(api_user(request)), pk=pk)


def _out(lot: Lot, *, sample: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": lot.pk,
        "code": lot.code,
        "owner": lot.owner_id,
        "maker": lot.maker,
        "model": lot.model,
        "production_batch": lot.production_batch,
        "installation_year": lot.installation_year,
        "size": lot.size,
        "service_until": lot.service_until,
        "state": lot.state,
        "plan": lot.plan,
        "seed": lot.seed,
        "algorithm": lot.algorithm,
        "nonconforming": lot.nonconforming,
        "decision": lot.decision,
        "extended_until": lot.extended_until,
        "replace_by": lot.replace_by,
        "rules_version": lot.rules_version,
    }
    if sample:
        data["sample"] = [
            {"position": s.position, "serial": s.instrument.serial_number, "result": s.result}
            for s in lot.sample.select_related("instrument")
        ]
    return data


def _guard(call: Any) -> Any:
    try:
        return call()
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc


@router.get("/lots")
def list_lots(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(lot) for lot in services.lots_for(api_user(request))]


@router.get("/groups")
def groups(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if user.institution is None:
        raise HttpError(403, "only the owner's staff form lots")
    result: list[dict[str, Any]] = _guard(lambda: services.candidate_groups(user, user.institution))
    return result


@router.post("/lots", response={201: dict[str, Any]})
def form_lot(request: HttpRequest, payload: LotIn) -> Status[Any]:
    user = api_user(request)
    if user.institution is None:
        raise HttpError(403, "only the owner's staff form lots")
    lot = _guard(lambda: services.form_lot(user, user.institution, **payload.dict()))
    return Status(201, _out(lot))


@router.get("/lots/{pk}")
def get_lot(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _out(_lot(request, pk), sample=True)


@router.post("/lots/{pk}/draw")
def draw(request: HttpRequest, pk: int, payload: DrawIn) -> dict[str, Any]:
    lot = _lot(request, pk)
    return _out(
        _guard(lambda: services.draw(api_user(request), lot, seed=payload.seed, lq=payload.lq)),
        sample=True,
    )


@router.post("/lots/{pk}/results")
def record(request: HttpRequest, pk: int, payload: list[ResultIn]) -> dict[str, Any]:
    """All-or-nothing: one bad row rejects the whole batch of results."""
    lot = _lot(request, pk)
    user = api_user(request)
    with transaction.atomic():
        for row in payload:
            _guard(lambda row=row: services.record(user, lot, row.serial, row.result, row.note))
    return _out(lot, sample=True)


@router.post("/lots/{pk}/decide")
def decide(request: HttpRequest, pk: int) -> dict[str, Any]:
    lot = _lot(request, pk)
    return _out(_guard(lambda: services.decide(api_user(request), lot)))


@router.post("/lots/{pk}/approve")
def approve(request: HttpRequest, pk: int, payload: ApproveIn) -> dict[str, Any]:
    lot = _lot(request, pk)
    return _out(
        _guard(
            lambda: services.approve(
                api_user(request), lot, approved=payload.approved, note=payload.note
            )
        )
    )


@router.get("/notice", auth=None)
def notice(request: HttpRequest) -> list[dict[str, Any]]:
    """Public list of approved extensions (no login)."""
    return [
        {
            "code": lot.code,
            "owner": lot.owner.name_zh,
            "maker": lot.maker,
            "model": lot.model,
            "production_batch": lot.production_batch,
            "installation_year": lot.installation_year,
            "meters": lot.size,
            "extended_until": lot.extended_until,
            "approved_at": lot.approved_at,
        }
        for lot in services.public_notice()
    ]
