"""Pages of meter lots: thin; rules in services.py, queries scoped by the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiliang.lots import services
from jiliang.lots.models import Lot


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


@login_required
def lot_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    owner = user.institution
    manage = owner is not None and services.can_manage(user, owner.pk)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not manage:
            return HttpResponse("only the owner's staff form lots", status=403)
        post = request.POST
        try:
            year = int(post.get("installation_year", ""))
        except ValueError:
            errors, status = ["installation_year: must be a year"], 400
        else:
            try:
                lot = services.form_lot(
                    user,
                    owner,
                    maker=post.get("maker", ""),
                    model=post.get("model", ""),
                    production_batch=post.get("production_batch", ""),
                    installation_year=year,
                )
            except ValidationError as exc:
                errors, status = _errors(exc), 400
            else:
                return redirect("lots:detail", lot.pk)
    groups = services.candidate_groups(user, owner) if manage else []
    return render(
        request,
        "lots/lot_list.html",
        {"lots": services.lots_for(user), "groups": groups, "errors": errors},
        status=status,
    )


def _lot(request: HttpRequest, pk: int) -> Lot:
    return get_object_or_404(services.lots_for(request.user), pk=pk)


@login_required
def lot_detail(request: HttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    lot = _lot(request, pk)
    return render(
        request,
        "lots/lot_detail.html",
        {
            "lot": lot,
            "sample": lot.sample.select_related("instrument"),
            "manage": services.can_manage(request.user, lot.owner_id),
            "approver": services.can_approve(request.user, lot),
            "lq_choices": services.rules()["plan"]["lq_choices"],
            "lq_default": services.rules()["plan"]["lq"],
            "errors": errors or [],
        },
        status=400 if errors else 200,
    )


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    lot = _lot(request, pk)
    try:
        action(lot)
    except PermissionError as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        return lot_detail(request, pk, _errors(exc))
    return redirect("lots:detail", pk)


@login_required
@require_POST
def lot_draw(request: HttpRequest, pk: int) -> HttpResponse:
    def action(lot: Lot) -> None:
        text = request.POST.get("lq", "").strip()
        try:
            lq = float(text) if text else None
        except ValueError:
            raise ValidationError({"lq": ["must be a fraction, e.g. 0.05"]}) from None
        services.draw(request.user, lot, seed=request.POST.get("seed", ""), lq=lq)

    return _act(request, pk, action)


@login_required
@require_POST
def lot_record(request: HttpRequest, pk: int) -> HttpResponse:
    def action(lot: Lot) -> None:
        for key, value in request.POST.items():
            if key.startswith("result:") and value:
                services.record(request.user, lot, key.removeprefix("result:"), value)

    return _act(request, pk, action)


@login_required
@require_POST
def lot_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda lot: services.decide(request.user, lot))


@login_required
@require_POST
def lot_approve(request: HttpRequest, pk: int) -> HttpResponse:
    approved = request.POST.get("answer") == "approve"
    note = request.POST.get("note", "")
    return _act(
        request, pk, lambda lot: services.approve(request.user, lot, approved=approved, note=note)
    )


def notice(request: HttpRequest) -> HttpResponse:
    """Public: no login."""
    return render(request, "lots/notice.html", {"lots": services.public_notice()})
