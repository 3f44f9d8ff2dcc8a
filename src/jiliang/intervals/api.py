"""REST endpoints of interval reviews; scoping and rules come from services.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jiliang.accounts.api_auth import api_user
from jiliang.intervals import services
from jiliang.intervals.models import IntervalReview

router = Router(tags=["intervals"])


class ReviewIn(Schema):
    maker: str = ""
    model: str
    regulation: str
    current_interval_days: int | None = None
    target: float | None = None


class IntervalAcceptIn(Schema):
    reason: str
    days: int | None = None


def _out(r: IntervalReview) -> dict[str, Any]:
    return {
        "id": r.pk,
        "owner": r.owner_id,
        "maker": r.maker,
        "model": r.model,
        "regulation": r.regulation,
        "current_interval_days": r.current_interval_days,
        "target": r.target,
        "instruments": r.instrument_ids,
        "observations": len(r.observations),
        "bins": r.bins,
        "a3": r.a3,
        "s2": r.s2,
        "s2_error": r.s2_error,
        "recommended_days": r.recommended_days,
        "state": r.state,
        "accepted_by": r.accepted_by.username if r.accepted_by else None,
        "accepted_at": r.accepted_at,
        "accepted_days": r.accepted_days,
        "reason": r.reason,
    }


@router.get("/groups")
def groups(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if user.institution is None:
        return []
    try:
        return services.groups_for(user, user.institution)
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc


@router.get("/reviews")
def list_reviews(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(r) for r in services.reviews_for(api_user(request))]


@router.post("/reviews", response={201: dict[str, Any]})
def create_review(request: HttpRequest, payload: ReviewIn) -> Status[Any]:
    user = api_user(request)
    if user.institution is None:
        raise HttpError(403, "only the owner's laboratory staff review intervals")
    try:
        review = services.create_review(user, user.institution, **payload.dict())
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc
    return Status(201, _out(review))


@router.get("/reviews/{pk}")
def get_review(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _out(get_object_or_404(services.reviews_for(api_user(request)), pk=pk))


@router.post("/reviews/{pk}/accept")
def accept(request: HttpRequest, pk: int, payload: IntervalAcceptIn) -> dict[str, Any]:
    user = api_user(request)
    review = get_object_or_404(services.reviews_for(user), pk=pk)
    try:
        return _out(services.accept(user, review, reason=payload.reason, days=payload.days))
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from exc
