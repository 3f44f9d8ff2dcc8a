"""The home page (a dashboard shaped by the viewer's role) and the global search page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.dashboards import queries
from jiliang.dashboards.search import search as run_search
from jiliang.navigation import audience_of
from jiliang.registry import due_counts, services, traceability
from jiliang.registry.counting import count_up_to
from jiliang.registry.models import (
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    ReferenceMaterial,
)
from jiliang.registry.querysets import is_admin, region_prefix


def _today() -> dt.date:
    return dt.date.today()


def _scope_key(user: Any, audience: frozenset[str]) -> str:
    """Users who see the same rows share the cached charts: all, a region, an institution."""
    if is_admin(user):
        return "all"
    if "regulator" in audience:
        return f"region:{region_prefix(user.institution.division_code)}"
    return f"institution:{user.institution_id}:{'-'.join(sorted(audience))}"


def cached_charts(user: Any, today: dt.date) -> dict[str, Any]:
    """The charts, kept HOME_CHARTS_CACHE_SECONDS (default 300) per scope and day: a national
    scope's year of due dates is a pass over ~10^6 rows, not worth repeating per visit."""
    seconds = getattr(settings, "HOME_CHARTS_CACHE_SECONDS", 300)
    if not seconds or not user.is_authenticated or due_counts.region_scope(user) is not None:
        # a region's charts are sums of the precomputed counts: live, never a cached copy
        return charts_for(user, today)
    key = f"home-charts:{_scope_key(user, audience_of(user))}:{today.isoformat()}"
    charts: dict[str, Any] | None = cache.get(key)
    if charts is None:
        charts = charts_for(user, today)
        charts["as_of"] = timezone.now()  # shown: a copy may be up to `seconds` old
        cache.set(key, charts, seconds)
    return charts


def charts_for(user: Any, today: dt.date) -> dict[str, Any]:
    """The charts' data for one viewer (empty for anonymous visitors).

    Owner (enterprise): its instruments' dues by month. Laboratory: the same for its own
    instruments, its certificates by conclusion per month, its jobs by status. Regulator and
    administrator: dues by month in their scope, overdue by region.
    """
    audience = audience_of(user)
    if "user" not in audience:
        return {}
    charts: dict[str, Any] = {}
    if "lab" in audience and not is_admin(user):
        lab_id = user.institution_id
        charts["due"] = queries.due_by_month(user, today, institution_id=lab_id)
        charts["conclusions"] = queries.certificates_by_conclusion(user, today, lab_id)
        charts["workload"] = queries.jobs_by_status(lab_id)
    else:
        charts["due"] = queries.due_by_month(user, today)
    if "regulator" in audience or is_admin(user):
        charts["regions"] = queries.overdue_by_region(user, today)
        r = charts["regions"]
        charts["region_rows"] = list(zip(r["codes"], r["names"], r["overdue"], strict=True))
    charts["due_rows"] = list(zip(charts["due"]["months"], charts["due"]["due"], strict=True))
    return charts


def chart_labels() -> dict[str, Any]:
    """The charts' legend texts, in the page's language (read by charts.js)."""
    return {
        "overdue": _("已超期"),
        "due": _("到期"),
        "pass_rate": _("合格率"),
        "jobs": _("任务"),
        "conclusions": {"pass": _("合格"), "calibrated": _("已校准"), "fail": _("不合格")},
    }


def home_counts(user: Any) -> dict[str, Any]:
    """The home page's tiles: what the user sees of each register.

    An administrator's are whole tables (fast). A restricted user's stop at COUNT_CAP
    ("10,000+", as the lists count), since a province sees ~10^6 certificates; a region's
    instruments are summed exactly from the precomputed due counts (all statuses). Why: the
    exact counts took 1-20 s of a regulator's or a city laboratory's home page at 10^6."""
    if not user.is_authenticated or is_admin(user):
        return services.summary_counts(user)
    counts: dict[str, Any] = {}
    for name, model in (
        ("institutions", Institution),
        ("standards", MeasurementStandard),
        ("instruments", Instrument),
        ("certificates", Certificate),
        ("materials", ReferenceMaterial),
    ):
        tally = count_up_to(model.objects.visible_to(user), traceability.COUNT_CAP)
        counts[name] = tally if tally.more else tally.value
    scope = due_counts.region_scope(user)
    if scope is not None:
        counts["instruments"] = due_counts.instruments_in(scope)
    return counts


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"counts": home_counts(user)}
    if user.is_authenticated:
        cap = None if is_admin(user) else traceability.COUNT_CAP
        due = services.DuePages(
            Instrument.objects.visible_to(user),
            cap=cap,
            region_scope=due_counts.region_scope(user),
        )
        context["due"] = {**due.counts, "total": len(due)}
        context["charts"] = cached_charts(user, _today())
        context["chart_labels"] = chart_labels()
    return render(request, "home/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    results = run_search(request.user, request.GET.get("q", ""))
    status = 400 if results.problem else 200
    return render(request, "registry/search.html", {"results": results}, status=status)
