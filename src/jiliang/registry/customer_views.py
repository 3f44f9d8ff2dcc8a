"""The customer relations page (issue 12 §1): an owner sees its laboratories and accepts,
ends, gives or takes back; a laboratory sees its customers and asks an owner.

One page, each action a POST that calls `registry.customers`; a refused action shows its
reason on the page with status 400 and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jiliang.bounds import form_id
from jiliang.registry import customers, write_rules
from jiliang.registry.customer_models import LabAccess, LabCustomer
from jiliang.registry.models import Institution, Instrument

MAX_LINES = customers.MAX_GRANT


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


def _institution_by_code(code: str, field: str) -> Institution:
    """An institution by its USCC (the public register's key; naming one reveals nothing)."""
    text = (code or "").strip().upper()
    readable = 0 < len(text) <= 18 and write_rules.text_problem(text) is None  # NUL: PostgreSQL
    found = Institution.objects.filter(uscc=text).first() if readable else None
    if found is None:
        raise ValidationError({field: f"no institution with USCC {text[:18]!r} 无此机构"})
    return found


def _own_instruments(user: Any, text: str) -> list[int]:
    """Serial numbers, one a line, of the user's institution's own instruments."""
    serials = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(serials) > MAX_LINES:
        raise ValidationError({"serials": f"at most {MAX_LINES} lines 最多{MAX_LINES}行"})
    for serial in serials:  # before the lookup: PostgreSQL refuses a NUL byte with an error
        problem = write_rules.text_problem(serial, 60)
        if problem is not None:
            raise ValidationError({"serials": f"{serial[:20]!r} {problem}"})
    found = dict(
        Instrument.objects.filter(
            owner_id=user.institution_id, serial_number__in=serials
        ).values_list("serial_number", "pk")
    )
    missing = [s for s in serials if s not in found]
    if missing:
        raise ValidationError(
            {"serials": "not instruments of yours 非本单位器具: " + ", ".join(missing[:10])}
        )
    return [found[s] for s in serials]


def _act(request: HttpRequest) -> None:
    user: Any = request.user
    action = request.POST.get("action", "")
    if action == "request":
        owner = _institution_by_code(request.POST.get("owner_uscc", ""), "owner_uscc")
        customers.request_relation(user, owner, request.POST.get("note", ""))
    elif action in ("accept", "end"):
        relation_id = form_id(request.POST.get("relation"), "relation")
        if relation_id is None:
            raise ValidationError({"relation": "choose a relation 请选择"})
        if action == "accept":
            all_instruments = request.POST.get("all_instruments") == "on"
            customers.accept_relation(user, relation_id, all_instruments=all_instruments)
        else:
            customers.end_relation(user, relation_id)
    elif action in ("grant", "revoke"):
        lab = _institution_by_code(request.POST.get("lab_uscc", ""), "lab_uscc")
        ids = _own_instruments(user, request.POST.get("serials", ""))
        if action == "grant":
            everything = request.POST.get("all_instruments")
            choice = {"on": True, "off": False}.get(everything or "")
            customers.grant(user, lab, ids, all_instruments=choice)
        else:
            customers.revoke(user, lab, ids)
    else:
        raise ValidationError({"action": f"unknown action {action[:20]!r}"})


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = 200
    if request.method == "POST":
        try:
            _act(request)
        except ValidationError as exc:
            for line in _errors(exc):
                messages.error(request, line)
            status = 400
        except LabCustomer.DoesNotExist as exc:
            raise Http404(str(exc)) from None
        else:
            messages.success(request, "已保存 saved")
            return redirect("registry:customers")
    relations = customers.relations_for(user).select_related(
        "created_by", "accepted_by", "ended_by"
    )[:500]
    institution_id = user.institution_id
    given: dict[int, tuple[int, int]] = {}
    if institution_id is not None:  # per lab: instruments worked on, instruments given
        counts = (
            LabAccess.objects.filter(instrument__owner_id=institution_id)
            .values("lab_id", "reason")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in counts:
            worked, granted = given.get(row["lab_id"], (0, 0))
            if row["reason"] == LabAccess.Reason.WORKED:
                worked = row["n"]
            else:
                granted = row["n"]
            given[row["lab_id"]] = (worked, granted)
    rows_out = [
        {
            "relation": r,
            "as_owner": r.owner_id == institution_id,
            "as_lab": r.lab_id == institution_id,
            "access": given.get(r.lab_id, (0, 0)) if r.owner_id == institution_id else None,
        }
        for r in relations
    ]
    context = {
        "rows": rows_out,
        "is_lab": getattr(user, "role", "") == "lab",
        "may_own": getattr(user, "role", "") in ("owner", "lab") and institution_id is not None,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "registry/customers.html", context, status=status)
