"""Pages of the metrology cloud: capability search, demands and matching, open data, statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiliang.cloud import opendata, services
from jiliang.cloud.forms import AnswerForm, DemandForm
from jiliang.cloud.models import Answer, Capability, Demand
from jiliang.cloud.statistics import statistics

PAGE_SIZE = 50


def search(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "")[:60] for k in ("quantity", "province", "kind", "q")}
    rows, facets = services.search(params)
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 2000))
    except ValueError:
        page = 1
    found = list(rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return render(
        request,
        "cloud/search.html",
        {
            "params": params,
            "facets": facets,
            "rows": found[:PAGE_SIZE],
            "page": page,
            "more": len(found) > PAGE_SIZE,
        },
    )


def capability(request: HttpRequest, code: str) -> HttpResponse:
    cap = get_object_or_404(Capability.objects.select_related("institution", "quantity"), code=code)
    today = dt.date.today()
    links = services.traceability(cap, today)
    return render(
        request,
        "cloud/capability.html",
        {"cap": cap, "links": links, "traceable": bool(links) and all(not p for _, p in links)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def demand_list(request: HttpRequest) -> HttpResponse:
    form = DemandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.create_demand(request.user, form.as_data())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("需求已发布"))
            return redirect("cloud:demand", pk=demand.pk)
    rows = Demand.objects.visible_to(request.user).select_related("owner", "quantity")[:200]
    status = 400 if request.method == "POST" else 200
    return render(request, "cloud/demands.html", {"form": form, "rows": rows}, status=status)


def _demand(request: HttpRequest, pk: int) -> Demand:
    demand = (
        Demand.objects.visible_to(request.user)
        .select_related("owner", "quantity")
        .filter(pk=pk)
        .first()
    )
    if demand is None:
        raise Http404
    return demand


@login_required
@require_http_methods(["GET", "POST"])
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _demand(request, pk)
    user: Any = request.user
    is_owner = user.institution_id == demand.owner_id
    own_caps = (
        Capability.objects.filter(institution_id=user.institution_id, quantity=demand.quantity)
        if user.institution_id and not is_owner
        else Capability.objects.none()
    )
    answer_form = AnswerForm(request.POST or None, capabilities=own_caps)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer" and answer_form.is_valid():
                services.answer(
                    user,
                    demand,
                    answer_form.cleaned_data["capability"],
                    answer_form.cleaned_data["note"],
                )
                messages.success(request, _("已响应"))
            elif action == "pick":
                services.pick(user, demand, int(request.POST.get("answer", "0") or 0))
                messages.success(request, _("已选定服务机构"))
            elif action == "met":
                services.mark_met(user, demand, dt.date.today())
                messages.success(request, _("已确认需求得到满足"))
            else:
                raise ValidationError({"action": _("无法执行该操作")})
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
        except (PermissionDenied, ValueError) as exc:
            messages.error(request, str(exc) or _("无权执行该操作"))
        return redirect("cloud:demand", pk=demand.pk)
    result, caps = services.match_demand(demand)
    answers = Answer.objects.filter(demand=demand).select_related("provider", "capability")
    if not is_owner:
        answers = answers.filter(provider_id=user.institution_id)
    return render(
        request,
        "cloud/demand.html",
        {
            "demand": demand,
            "is_owner": is_owner,
            "matches": [(m, caps[m.cmc.id]) for m in result.matches],
            "excluded": [(e, caps[e.cmc.id]) for e in result.excluded if is_owner][:50],
            "answers": answers,
            "answer_form": answer_form if own_caps.exists() else None,
        },
    )


def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "cloud/open.html", {"registers": opendata.dictionary()})


FORMATS = {
    "csv": ("text/csv; charset=utf-8", opendata.to_csv),
    "json": ("application/json", opendata.to_json),
    "parquet": ("application/vnd.apache.parquet", opendata.to_parquet),
}


def open_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    register = opendata.REGISTERS.get(name)
    if register is None or fmt not in FORMATS:
        raise Http404
    content_type, build = FORMATS[fmt]
    response = HttpResponse(build(register), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="jiliang-{name}.{fmt}"'
    return response


def statistics_page(request: HttpRequest) -> HttpResponse:
    figures = statistics(dt.date.today())
    labels = {"on_time": _("按期"), "overdue": _("超期"), "never_verified": _("从未检定")}
    return render(request, "cloud/statistics.html", {"figures": figures, "labels": labels})
