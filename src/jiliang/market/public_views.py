"""Public pages: the complaint form (rate-limited, bounded; reaches the regulator of the
premises' region through the premises' scope) and the list of honest-measurement model units."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiliang.calibration.check import client_address
from jiliang.market.models import Complaint, ModelUnit, Premises

RATE = (10, 3600)  # complaints per address per hour
MAX_TEXT = 2000


def _limited(request: HttpRequest) -> int | None:
    tries, window = RATE
    key = (
        "jiliang-market-complaint:"
        + hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    )
    now = time.time()
    entry = cache.get(key)
    start, count = entry if isinstance(entry, tuple) and now < entry[0] + window else (now, 0)
    count += 1
    left = max(1, math.ceil(start + window - now))
    cache.set(key, (start, count), timeout=left)
    return left if count > tries else None


def complaint(request: HttpRequest) -> HttpResponse:
    """File a complaint about a premises by the code shown at the premises (no listing)."""
    errors: list[str] = []
    status = 200
    done = False
    if request.method == "POST":
        wait = _limited(request)
        if wait is not None:
            response = render(
                request,
                "market/complaint.html",
                {"errors": [_("提交过于频繁，请稍后再试")]},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        code = request.POST.get("premises", "").strip()[:40]
        text = request.POST.get("text", "")
        contact = request.POST.get("contact", "").strip()
        if not text.strip() or len(text) > MAX_TEXT:
            errors.append(_("请填写投诉内容（最多 2000 字）"))
        if len(contact) > 100:
            errors.append(_("联系方式最多 100 字"))
        premises = Premises.objects.filter(code=code).first() if code else None
        if premises is None:
            errors.append(_("请填写场所公示的编号"))
        if errors:
            status = 400
        else:
            Complaint.objects.create(premises=premises, text=text.strip(), contact=contact)
            done = True
    return render(request, "market/complaint.html", {"errors": errors, "done": done}, status=status)


def model_units(request: HttpRequest) -> HttpResponse:
    """The published list (names and dates only)."""
    units = ModelUnit.objects.filter(state=ModelUnit.State.LISTED).select_related("premises")
    return render(request, "market/model_units.html", {"units": units.order_by("premises__name")})


def c_mark(request: HttpRequest) -> HttpResponse:
    """The public register of C-mark self-declarations; an enterprise declares here."""
    from django.core.exceptions import ValidationError

    from jiliang.market import prepack
    from jiliang.market.models import CMarkDeclaration

    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            prepack.declare_c_mark(request.user, request.POST.get("products", ""))
        except PermissionError as exc:
            return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
        except ValidationError as exc:
            errors, status = [m for ms in exc.message_dict.values() for m in ms], 400
    user: Any = request.user
    can_declare = bool(
        user.is_authenticated and user.institution_id and user.institution.kind == "enterprise"
    )
    rows = CMarkDeclaration.objects.filter(withdrawn_on__isnull=True).select_related("producer")
    return render(
        request,
        "market/c_mark.html",
        {"rows": rows[:500], "can_declare": can_declare, "errors": errors},
        status=status,
    )
