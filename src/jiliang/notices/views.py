"""The inbox (list, mark read, preferences) and the unsubscribe link (no login needed)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from jiliang.notices import services, tokens
from jiliang.notices.models import Kind


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """GET lists the user's notices; POST marks one (`id`) or all of them read."""
    user: Any = request.user
    if request.method == "POST":
        raw = request.POST.get("id", "")
        if raw == "all":
            services.mark_read(user)
        elif raw.isdigit():
            services.mark_read(user, [int(raw)])
        else:
            return HttpResponse(
                "id: a notice number or 'all' 应为通知编号或 all",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return redirect("notices:inbox")
    unread = request.GET.get("unread") == "1"
    page = Paginator(services.inbox(user, unread), 25).get_page(request.GET.get("page"))
    pref = services.preference(user)
    return render(
        request,
        "notices/inbox.html",
        {
            "page": page,
            "unread": unread,
            "pref": pref,
            "kinds": [(k.value, k.label, k.value not in pref.muted) for k in Kind],
        },
    )


@login_required
@require_http_methods(["POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """E-mail on/off and the kinds to e-mail; the inbox always gets every notice."""
    wanted = set(request.POST.getlist("kind"))
    unknown = wanted - set(Kind.values)
    if unknown:
        return HttpResponse(
            f"kind: unknown {', '.join(sorted(unknown))} 未知的通知类型",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    services.set_preference(
        request.user,
        email=request.POST.get("email") == "on",
        muted=[k for k in Kind.values if k not in wanted],
    )
    return redirect("notices:inbox")


@csrf_exempt  # RFC 8058 one-click POST from a mail client carries no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click from the e-mail: stop that kind's e-mail and confirm; no login needed."""
    try:
        wish = tokens.read(token)
    except ValueError as exc:
        return render(request, "notices/unsubscribe.html", {"error": str(exc)}, status=400)
    pref = services.unsubscribe(wish)
    if pref is None:
        return render(
            request,
            "notices/unsubscribe.html",
            {"error": "the link's user no longer exists"},
            status=404,
        )
    label = "" if wish.kind == tokens.ALL else Kind(wish.kind).label
    return render(
        request, "notices/unsubscribe.html", {"kind": label, "all": wish.kind == tokens.ALL}
    )
