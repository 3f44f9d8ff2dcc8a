"""The page of an energy user's messages to provincial platforms (docs/energy-export.md):
each message's day, profile, state, attempts and last error, newest day first. Messages are
built and sent by `jiliang energy export`; the one write here is withdrawing a message, by
the same rule as `jiliang energy export-withdraw` (`export_outbox.withdraw`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiliang.monitoring.export_models import ProvincialExport
from jiliang.monitoring.export_outbox import WITHDRAWABLE, WithdrawRefused, withdraw
from jiliang.monitoring.views import _may_write, _visible_user

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
        "last_error", "sent_at", "acknowledged_at", "refused_at", "withdrawn_at",
        "withdrawn_by", "withdraw_reason",
    )[:SHOWN]  # fmt: skip
    return render(
        request,
        "monitoring/exports.html",
        {
            "energy_user": energy_user,
            "rows": listed,
            "states": states,
            "shown": SHOWN,
            "may_withdraw": _may_write(request, energy_user),
            "withdrawable": WITHDRAWABLE,
        },
    )


@login_required
@require_http_methods(["POST"])
def withdraw_export(request: HttpRequest, code: str) -> HttpResponse:
    """Withdraw one message: the user's own staff and admins; a regulator who may view the
    page is refused (403), another institution does not see the user (404)."""
    energy_user = _visible_user(request, code)
    if not _may_write(request, energy_user):
        raise PermissionDenied("only the energy user's staff and admins withdraw messages")
    try:
        row = withdraw(
            energy_user,
            request.POST.get("message", ""),
            request.POST.get("reason", ""),
            by=request.user.get_username(),
            account=request.user,
        )
    except WithdrawRefused as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
    else:
        messages.success(request, _("报文 %(id)s 已撤回，不会再发送") % {"id": row.message_id})
    return redirect("monitoring:exports", code=energy_user.code)
