"""Traceability pages: the chain up from an object, the dependants down from a standard, and
the impact of a standard found wrong. Each link is shown as a link only where the user may
open it; the chain itself comes from traceability.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from jiliang.registry import exports, forms, traceability
from jiliang.registry.due_views import XLSX, download
from jiliang.registry.models import Certificate, Instrument, MeasurementStandard
from jiliang.registry.views import _page, _query_without, _today


def _collect(node: dict[str, Any], found: dict[str, set[int]]) -> None:
    if node["type"] == "standard":
        found["standard"].add(node["id"])
        for child in node["equipment"]:
            _collect(child, found)
        return
    found["instrument"].add(node["id"])
    if node["certificate"] is not None:
        found["certificate"].add(node["certificate"]["id"])
    for child in node["standards"]:
        _collect(child, found)


def _link(node: dict[str, Any], visible: dict[str, set[int]]) -> None:
    """Add a URL to each link of the chain the user may open (the others stay plain text)."""
    if node["type"] == "standard":
        if node["id"] in visible["standard"]:
            node["url"] = reverse("registry:standard", args=[node["id"]])
        for child in node["equipment"]:
            _link(child, visible)
        return
    if node["id"] in visible["instrument"]:
        node["url"] = reverse("registry:instrument", args=[node["id"]])
    cert = node["certificate"]
    if cert is not None and cert["id"] in visible["certificate"]:
        cert["url"] = reverse("registry:certificate", args=[cert["id"]])
    for child in node["standards"]:
        _link(child, visible)


def _trace_up_page(
    request: HttpRequest, obj: Instrument | MeasurementStandard, back: str
) -> HttpResponse:
    user = request.user
    try:
        result = traceability.trace_up(obj).as_dict()
    except LookupError as exc:  # a rule of rules.yaml not in force on a link's date
        context = {"obj": obj, "back": back, "error": str(exc), "today": _today()}
        return render(request, "registry/trace_up.html", context, status=409)
    found: dict[str, set[int]] = {"standard": set(), "instrument": set(), "certificate": set()}
    _collect(result["chain"], found)
    visible = {
        "standard": set(
            MeasurementStandard.objects.visible_to(user)
            .filter(pk__in=found["standard"])
            .values_list("pk", flat=True)
        ),
        "instrument": set(
            Instrument.objects.visible_to(user)
            .filter(pk__in=found["instrument"])
            .values_list("pk", flat=True)
        ),
        "certificate": set(
            Certificate.objects.visible_to(user)
            .filter(pk__in=found["certificate"])
            .values_list("pk", flat=True)
        ),
    }
    _link(result["chain"], visible)
    terminals = [t.split(":", 1) for t in result["terminals"]]
    context = {
        "obj": obj,
        "back": back,
        "result": result,
        "terminals": terminals,
        "today": _today(),
    }
    return render(request, "registry/trace_up.html", context)


@login_required
def instrument_trace_up(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.visible_to(request.user), pk=pk)
    return _trace_up_page(request, instrument, reverse("registry:instrument", args=[pk]))


@login_required
def standard_trace_up(request: HttpRequest, pk: int) -> HttpResponse:
    standard = get_object_or_404(MeasurementStandard.objects.visible_to(request.user), pk=pk)
    return _trace_up_page(request, standard, reverse("registry:standard", args=[pk]))


@login_required
def standard_trace_down(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    standard = get_object_or_404(
        MeasurementStandard.objects.visible_to(user).select_related("institution"), pk=pk
    )
    down = traceability.trace_down(standard, user)
    certificates = down.certificates_newest_first().select_related("issuer", "instrument__owner")
    instruments = down.instruments_in_order().select_related("owner")
    standards = MeasurementStandard.objects.visible_to(user).filter(pk__in=down.standards)
    # Restricted users with ~10^6 dependants see "10,000+" and the pages up to there; an
    # administrator's exact counts come from the links' index.
    if down.restricted:
        cap = traceability.COUNT_CAP  # the lists probe each dependant already
        certificate_page = _page(request, certificates, "page", cap=cap, probe=False)
        instrument_page = _page(request, instruments, "ipage", cap=cap, probe=False)
    else:
        certificate_total, instrument_total = down.page_counts()
        certificate_page = _page(request, certificates, "page", certificate_total)
        instrument_page = _page(request, instruments, "ipage", instrument_total)
    certificate_count, instrument_count = (
        traceability.Tally(page.paginator.count, page.paginator.more)  # type: ignore[attr-defined]
        for page in (certificate_page, instrument_page)
    )
    context = {
        "obj": standard,
        "levels": down.levels,
        "standards": standards.select_related("institution").order_by("id"),
        "certificate_count": certificate_count,
        "instrument_count": instrument_count,
        "certificates": certificate_page,
        "instruments": instrument_page,
        "query": _query_without(request, "page"),
        "iquery": _query_without(request, "ipage"),
    }
    return render(request, "registry/trace_down.html", context)


@login_required
def standard_impact(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    standard = get_object_or_404(MeasurementStandard.objects.visible_to(user), pk=pk)
    form = forms.ImpactForm(request.GET if "on" in request.GET else None)
    export = request.GET.get("format", "")
    if export not in ("", "csv", "xlsx"):
        return render(
            request,
            "registry/impact.html",
            {"obj": standard, "form": form, "error": f"unknown export format {export!r}"},
            status=400,
        )
    context: dict[str, Any] = {"obj": standard, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "registry/impact.html", context, status=400)
    if form.is_bound:
        on = form.cleaned_data["on"]
        last_good, rows = traceability.impact(standard, on, user)
        stem = f"impact-{standard.pk}-{on.isoformat()}"
        if export == "csv":
            return download(exports.impact_csv(rows), f"{stem}.csv", "text/csv; charset=utf-8")
        if export == "xlsx":
            return download(exports.impact_xlsx(rows), f"{stem}.xlsx", XLSX)
        customers = Counter((r.customer_id, r.customer) for r in rows)
        context.update(
            {
                "on": on,
                "last_good": last_good,
                "rows": rows,
                "page": _page(request, rows),
                "page_query": _query_without(request),
                "customers": sorted(
                    ((cid, name, n) for (cid, name), n in customers.items()),
                    key=lambda c: (-c[2], c[1]),
                ),
                "query": request.GET.copy().urlencode(),
            }
        )
    return render(request, "registry/impact.html", context)
