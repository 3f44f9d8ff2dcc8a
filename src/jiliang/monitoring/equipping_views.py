"""The GB 17167 check page of an energy user (equipping rate and accuracy of its meters).

Who sees it: the energy user's own staff and those whose scope covers it (the regulator of
its region, admins); anyone else logged in gets 403, as the page is about a named user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jiliang.energy import varieties
from jiliang.energy.equipping import DEFAULT_EDITION, EquippingError, editions
from jiliang.monitoring.models import EnergyUser


def _energy_user(request: HttpRequest, code: str) -> EnergyUser:
    visible = (
        EnergyUser.objects.visible_to(request.user)
        .select_related("institution")
        .filter(code=code[:40])
        .first()
    )
    if visible is not None:
        return visible
    if EnergyUser.objects.filter(code=code[:40]).exists():
        raise PermissionDenied("not your energy user")
    raise Http404("no such energy user")


# GB 17167's names of the three levels (the core names them in Chinese, as the standard does)
LEVEL_LABELS = {
    1: _("进出用能单位"),
    2: _("进出主要次级用能单位"),
    3: _("主要用能设备"),
}


def _variety_name(key: str) -> str:
    return str(varieties().get(key, {}).get("name", key))


@login_required
def equipping(request: HttpRequest, code: str) -> HttpResponse:
    """Rates per level and variety, missing meters and too coarse ones, for one edition."""
    from jiliang.monitoring.equipping import report_for

    energy_user = _energy_user(request, code)
    edition = (request.GET.get("edition") or DEFAULT_EDITION)[:40]
    context: dict[str, Any] = {
        "energy_user": energy_user,
        "edition": edition,
        "editions": [row["id"] for row in editions()],
        "report": None,
        "error": "",
    }
    try:
        report = report_for(energy_user, edition)
    except EquippingError as exc:
        context["error"] = str(exc)
        return render(request, "monitoring/equipping.html", context, status=400)
    for level in report["levels"]:
        level["label"] = LEVEL_LABELS.get(level["level"], level["name"])
        for row in level["rows"]:
            row["variety_name"] = _variety_name(row["variety"])
    for row in report["missing"]:
        row["variety_name"] = _variety_name(row["variety"])
    for row in report["accuracy"]:
        row["variety_name"] = _variety_name(row["variety"])
    context["report"] = report
    return render(request, "monitoring/equipping.html", context)
