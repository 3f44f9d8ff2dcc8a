"""The page of an energy user's messages to provincial platforms (docs/energy-export.md):
each message's day, profile, state, attempts and last error, newest day first. Read only:
messages are built and sent by `jiliang energy export`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.monitoring.export_models import ProvincialExport
from jiliang.monitoring.views import _visible_user

SHOWN = 200  # newest messages listed


@login_required
def exports(request: HttpRequest, code: str) -> HttpResponse:
    energy_user = _visible_user(request, code)
    rows = ProvincialExport.objects.filter(user=energy_user)
    counts = {
        row["state"]: row["n"] for row in rows.values("state").annotate(n=Count("id")).order_by()
    }
    states = [
        (value, label, counts.get(value, 0)) for value, label in ProvincialExport.State.choices
    ]
    listed = rows.order_by("-day", "profile", "-created").only(
        "day", "profile", "schema_version", "message_id", "count", "state", "attempts",
        "last_error", "sent_at", "acknowledged_at",
    )[:SHOWN]  # fmt: skip
    return render(
        request,
        "monitoring/exports.html",
        {"energy_user": energy_user, "rows": listed, "states": states, "shown": SHOWN},
    )
