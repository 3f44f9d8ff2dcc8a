"""Pages of interval reviews: thin; rules in services.py, queries scoped by the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiliang.intervals import services
from jiliang.intervals.models import IntervalReview


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


def _int(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError({field: ["must be a whole number of days"]}) from None


def _float(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError({field: ["must be a number"]}) from None


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    groups: list[dict[str, Any]] = []
    errors: list[str] = []
    status = 200
    owner = user.institution
    responsible = owner is not None and services.is_responsible(user, owner.pk)
    if responsible:
        groups = services.groups_for(user, owner)
    if request.method == "POST":
        if not responsible:
            return HttpResponse("only the owner's laboratory staff review intervals", status=403)
        post = request.POST
        try:
            review = services.create_review(
                user,
                owner,
                maker=post.get("maker", ""),
                model=post.get("model", ""),
                regulation=post.get("regulation", ""),
                current_interval_days=_int(post.get("current_interval_days", ""), "current"),
                target=_float(post.get("target", ""), "target"),
            )
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("intervals:detail", review.pk)
    return render(
        request,
        "intervals/review_list.html",
        {"reviews": services.reviews_for(user), "groups": groups, "errors": errors},
        status=status,
    )


def _review(request: HttpRequest, pk: int) -> IntervalReview:
    return get_object_or_404(services.reviews_for(request.user), pk=pk)


@login_required
def review_detail(request: HttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    review = _review(request, pk)
    models = (review.s2 or {}).get("models", [])
    return render(
        request,
        "intervals/review_detail.html",
        {
            "review": review,
            "models": models,
            "bins": list(zip(review.bins["t"], review.bins["n"], review.bins["r"], strict=True))
            if review.bins
            else [],
            "responsible": services.is_responsible(request.user, review.owner_id),
            "errors": errors or [],
            "instruments": len(review.instrument_ids),
            "observed": len(review.observations),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.accept(
            request.user,
            review,
            reason=request.POST.get("reason", ""),
            days=_int(request.POST.get("days", ""), "days"),
        )
    except PermissionError as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        return review_detail(request, pk, _errors(exc))
    return redirect("intervals:detail", pk)


@login_required
def review_plot(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not review.plot_png:
        raise Http404("no S2 fit for this review")
    return HttpResponse(bytes(review.plot_png), content_type="image/png")
