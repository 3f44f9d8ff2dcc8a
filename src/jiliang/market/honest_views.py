"""The regulator's honest-measurement page: fuel stations' mean nozzle error and trend,
complaints to judge (two justified -> termination flag), model units to evaluate or remove."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.market import honest, rules, services
from jiliang.market.models import Complaint, ModelUnit, Premises
from jiliang.market.views import _errors, _forbidden, _int


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not services.is_regulator(user):
        return _forbidden(_("只有市场监管部门的人员可以这样做"))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            action = post.get("action", "")
            if action == "judge":
                complaint = get_object_or_404(
                    Complaint.objects.visible_to(user),
                    pk=_int(post.get("complaint", ""), "complaint"),
                )
                honest.judge_complaint(complaint, post.get("justified") == "yes")
            elif action in ("evaluate", "remove"):
                unit = get_object_or_404(
                    ModelUnit.objects.visible_to(user), pk=_int(post.get("unit", ""), "unit")
                )
                if action == "evaluate":
                    items = rules.honest()["model_unit"]["items"]
                    scores = {
                        i["code"]: _int(post.get(f"score_{i['code']}", ""), i["code"])
                        for i in items
                    }
                    honest.evaluate_unit(unit, scores, timezone.localdate())
                else:
                    honest.remove_unit(unit, post.get("reason", ""))
            else:
                raise ValidationError({"action": [_("未知操作")]})
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:honest")
    visible = Premises.objects.visible_to(user)
    stations = [
        {"premises": p, **honest.station_errors(p)}
        for p in visible.filter(kind=Premises.Kind.FUEL_STATION).order_by("code")[:200]
    ]
    return render(
        request,
        "market/honest.html",
        {
            "stations": stations,
            "terminated": visible.filter(contract_terminated=True).order_by("code")[:200],
            "complaints": Complaint.objects.visible_to(user)
            .filter(state=Complaint.State.RECEIVED)
            .select_related("premises")
            .order_by("received_at")[:200],
            "units": ModelUnit.objects.visible_to(user)
            .select_related("premises")
            .order_by("premises__name")[:200],
            "items": rules.honest()["model_unit"]["items"],
            "pass_mark": rules.honest()["model_unit"]["pass_mark"],
            "errors": errors,
        },
        status=status,
    )
