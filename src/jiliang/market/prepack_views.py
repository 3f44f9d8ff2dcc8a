"""Prepackage net-quantity inspections in the app: the form, the core's verdict, the report.
The scale must be a registry instrument with a valid verification and an MPE ≤ 0.2 T."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from jiliang.market import prepack
from jiliang.market.models import PrepackInspection
from jiliang.market.views import _errors, _forbidden


@login_required
def prepack_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            item = prepack_service(user, request.POST)
        except PermissionError as exc:
            return _forbidden(str(exc))
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:prepack_detail", item.pk)
    return render(
        request,
        "market/prepack.html",
        {
            "items": PrepackInspection.objects.visible_to(user)[:100],
            "errors": errors,
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


def prepack_service(user: Any, post: Any) -> PrepackInspection:
    return prepack.record(
        user,
        product=post.get("product", ""),
        producer=post.get("producer", ""),
        lot_code=post.get("lot_code", ""),
        nominal=post.get("nominal", ""),
        unit=post.get("unit", ""),
        lot_size=post.get("lot_size", ""),
        values_text=post.get("values", ""),
        tare=post.get("tare", ""),
        scale_serial=post.get("scale", ""),
    )


@login_required
def prepack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(PrepackInspection.objects.visible_to(request.user), pk=pk)
    return render(request, "market/prepack_detail.html", {"item": item, "r": item.result})
