"""API of the `market` app (mounted at /api/market/): published results (no login), the
re-runnable draw, the caller's campaigns, and the prepackage evaluation (the CLI's contract)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError
from pydantic import Field

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id, JsonObject
from jiliang.market import cases, services
from jiliang.market.models import Campaign, ModelUnit

router = Router(tags=["market"])


def _summary(c: Campaign) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": c.title,
        "regulator": c.regulator.name_zh,
        "region": c.region,
        "premises_kind": c.premises_kind,
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "state": c.state,
        "seed": c.seed,
        "algorithm": c.algorithm,
    }


@router.get("/public/campaigns", auth=None)
def public_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """Closed campaigns and their published summary (一公开)."""
    return [_summary(c) for c in cases.published()[:1000]]


@router.get("/public/campaigns/{code}", auth=None)
def public_campaign(request: HttpRequest, code: str) -> dict[str, Any]:
    """Published results of one campaign, with the registers drawn from and the seed, so
    anyone can recompute the draw (jiliang.supervision.draw, docs/market.md)."""
    if len(code) > 40:
        raise HttpError(404, "no such published campaign")
    c = get_object_or_404(cases.published(), code=code)
    return {**c.results, "registers": c.population, "draw": services.recorded_draw(c)}


@router.get("/public/model-units", auth=None)
def public_model_units(request: HttpRequest) -> list[dict[str, Any]]:
    """The published list of honest-measurement model units (names and dates only)."""
    units = ModelUnit.objects.filter(state=ModelUnit.State.LISTED).select_related("premises")
    return [
        {
            "name": u.premises.name,
            "kind": u.premises.kind,
            "division_code": u.premises.division_code,
            "listed_on": u.listed_on.isoformat() if u.listed_on else None,
            "rechecked_on": u.rechecked_on.isoformat() if u.rechecked_on else None,
        }
        for u in units.order_by("premises__name")[:1000]
    ]


@router.get("/campaigns")
def campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """Campaigns the caller may see (a regulator: its own)."""
    user = api_user(request)
    rows = Campaign.objects.visible_to(user).select_related("regulator")[:1000]
    return [{"id": c.pk, **_summary(c)} for c in rows]


@router.get("/campaigns/{pk}/draw")
def campaign_draw(request: HttpRequest, pk: Id) -> dict[str, Any]:
    """The recorded draw and the same draw recomputed from the seed and registers."""
    user = api_user(request)
    c = get_object_or_404(Campaign.objects.visible_to(user), pk=pk)
    if not c.seed:
        raise HttpError(409, "not drawn yet")
    recorded = services.recorded_draw(c)
    rerun = services.redraw(c)
    return {
        "seed": c.seed,
        "algorithm": c.algorithm,
        "recorded": recorded,
        "rerun": rerun,
        "matches": recorded == rerun,
    }


class NominalIn(JsonObject):
    value: float | str
    unit: str = Field(max_length=4)


class PrepackIn(JsonObject):
    nominal: NominalIn
    lot_size: int = Field(ge=1, le=10**9)
    net: list[float] | None = Field(default=None, max_length=10_000)
    gross: list[float] | None = Field(default=None, max_length=10_000)
    tare: float | list[float] | None = None
    edition: str | None = Field(default=None, max_length=40)


@router.post("/prepack/evaluate")
def prepack_evaluate(request: HttpRequest, body: PrepackIn) -> dict[str, Any]:
    """Judge a lot (same keys as `jiliang prepack evaluate --json`); 400 names the field."""
    api_user(request)
    from jiliang.supervision import SupervisionInputError, evaluate_lot, net_values

    try:
        values = net_values(body.net, body.gross, body.tare)
        return evaluate_lot(
            body.nominal.value, body.nominal.unit, body.lot_size, values, body.edition
        ).to_dict()
    except SupervisionInputError as exc:
        raise HttpError(400, f"{exc.field}: {exc.reason}") from None
