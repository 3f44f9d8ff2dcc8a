"""Pages of the mandatory-verification filing (强检备案): list with due dates and booking
states, one instrument by form, the Excel template and its upload, booking, re-filing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiliang.registry.importers import ImportRejected, RowError
from jiliang.registry.models import CatalogueItem, UseArea
from jiliang.services import filing
from jiliang.services.models import FilingEntry
from jiliang.services.views import today
from jiliang.services.workflow import ServiceError


def _page(request: HttpRequest, errors: list[Any] | None = None, status: int = 200) -> HttpResponse:
    user: Any = request.user
    on = today()
    entries = (
        FilingEntry.objects.visible_to(user)
        .select_related("instrument", "instrument__category", "booked_lab", "owner")
        .order_by("-id")[:500]
    )
    rows = [(e, filing.status(e, on)) for e in entries]
    owner = user.institution_id is not None and user.institution.kind != "regulator"
    context = {
        "rows": rows,
        "errors": errors or [],
        "owner": owner,
        "labs": list(filing.mandatory_labs(on)),
        "categories": CatalogueItem.objects.filter(supervision__in=["V", "P+V"]),
        "use_areas": [u for u in UseArea if u != UseArea.OTHER],
        "data": request.POST,
        "lead": filing.kinds.booking_lead_days(),
        "today": on,
    }
    return render(request, "services/filing.html", context, status=status)


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        filing.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="filing-template.xlsx"'
    return response


def _rejected(exc: ImportRejected) -> list[str]:
    return [str(e) for e in exc.errors[:100]]


@login_required
@require_POST
def file_one(request: HttpRequest) -> HttpResponse:
    row = {c: request.POST.get(c, "").strip() for c in filing.COLUMNS}
    try:
        filing.file_rows(request.user, [row], "form", today())
    except ImportRejected as exc:
        return _page(request, _rejected(exc), 400)
    except ServiceError as exc:
        return _page(request, [str(exc)], 400)
    return redirect("services:filing")


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    f = request.FILES.get("file")
    if f is None:
        return _page(request, [str(RowError("—", 0, "file", "no file chosen"))], 400)
    try:
        filing.file_upload(request.user, f.name or "upload", f.chunks(), f.size or 0, today())
    except ImportRejected as exc:
        return _page(request, _rejected(exc), 400)
    except ServiceError as exc:
        return _page(request, [str(exc)], 400)
    return redirect("services:filing")


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FilingEntry.objects.visible_to(request.user), pk=pk)
    lab = request.POST.get("lab", "")
    try:
        filing.book(
            request.user,
            entry,
            int(lab) if lab.isdigit() and len(lab) < 12 else None,
            _day(request.POST.get("day", "")),
            today(),
        )
    except ServiceError as exc:
        return _page(request, [str(exc)], 400)
    return redirect("services:filing")


@login_required
@require_POST
def refile(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FilingEntry.objects.visible_to(request.user), pk=pk)
    try:
        filing.refile(request.user, entry, today())
    except ServiceError as exc:
        return _page(request, [str(exc)], 400)
    return redirect("services:filing")
