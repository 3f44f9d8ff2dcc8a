"""Pages: the energy user's dashboard, the regulator's region, reports, manual upload."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiliang.monitoring.models import EnergyUser, MrvReport


def _visible_user(request: HttpRequest, code: str) -> EnergyUser:
    found = (
        EnergyUser.objects.visible_to(request.user)
        .select_related("institution")
        .filter(code=code[:40])
        .first()
    )
    if found is None:
        raise Http404("no such energy user")
    return found


def _may_write(request: HttpRequest, energy_user: EnergyUser) -> bool:
    user: Any = request.user
    return bool(
        user.is_superuser
        or getattr(user, "role", "") == "admin"
        or user.institution_id == energy_user.institution_id
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """An energy user's staff go to their dashboard; everyone else to the region view."""
    user: Any = request.user
    own = EnergyUser.objects.filter(institution_id=user.institution_id).first()
    if own is not None:
        return redirect("monitoring:user", code=own.code)
    return redirect("monitoring:region")


@login_required
def user_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    from jiliang.monitoring.dashboards import user_dashboard as figures

    energy_user = _visible_user(request, code)
    data = figures(energy_user)
    reports = MrvReport.objects.filter(user=energy_user).order_by("-start", "-version")[:24]
    return render(
        request,
        "monitoring/user_dashboard.html",
        {
            "energy_user": energy_user,
            "figures": data,
            "reports": reports,
            "may_write": _may_write(request, energy_user),
            "labels": {
                "load": _("负荷 (kW)"),
                "tce": _("综合能耗 (tce)"),
                "co2": _("CO₂ (t)"),
            },
        },
    )


@login_required
def region(request: HttpRequest) -> HttpResponse:
    from jiliang.monitoring.dashboards import region_rows

    users = EnergyUser.objects.visible_to(request.user)
    rows = region_rows(users)
    return render(
        request,
        "monitoring/region.html",
        {
            "rows": rows,
            "chart": {
                "names": [r["name"] for r in rows],
                "tce": [r["tce"] or 0 for r in rows],
                "unverified": [round((r["unverified_share"] or 0) * 100, 2) for r in rows],
            },
            "labels": {"tce": _("近30日综合能耗 (tce)"), "unverified": _("未检定器具计量比例 (%)")},
            "alerts": [r for r in rows if r["missing"]],
        },
    )


@login_required
@require_http_methods(["POST"])
def issue_report(request: HttpRequest, code: str) -> HttpResponse:
    from jiliang.monitoring.reports import ReportRefused, issue

    energy_user = _visible_user(request, code)
    if not _may_write(request, energy_user):
        raise Http404("no such energy user")
    period = request.POST.get("period", "month")
    try:
        start = dt.date.fromisoformat((request.POST.get("start") or "")[:10])
    except ValueError:
        messages.error(request, _("请填写报告期起始日期"))
        return redirect("monitoring:user", code=code)
    try:
        report = issue(energy_user, period, start, request.user, request.POST.get("reason", ""))
    except ReportRefused as exc:
        messages.error(request, f"{exc.field}: {exc.reason}")
        return redirect("monitoring:user", code=code)
    messages.success(request, _("报告已签发并记入可信日志"))
    return redirect("monitoring:report", report_id=report.pk)


@login_required
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    from jiliang.monitoring.reports import proof_of, verify_signature

    found = (
        MrvReport.objects.visible_to(request.user)
        .select_related("user__institution")
        .filter(pk=report_id)
        .first()
    )
    if found is None:
        raise Http404("no such report")
    versions = MrvReport.objects.filter(
        user=found.user, period=found.period, start=found.start
    ).order_by("version")
    return render(
        request,
        "monitoring/report.html",
        {
            "report": found,
            "b": found.body,
            "versions": versions,
            "signature_ok": verify_signature(found),
            "proof": proof_of(found),
        },
    )


@login_required
def report_file(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    from jiliang.monitoring.report_files import render_json, render_pdf, render_xlsx

    found = MrvReport.objects.visible_to(request.user).filter(pk=report_id).first()
    if found is None:
        raise Http404("no such report")
    name = f"mrv-{found.user.code}-{found.period}-{found.start:%Y%m%d}-v{found.version}"
    renderers = {
        "pdf": (render_pdf, "application/pdf"),
        "xlsx": (
            render_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "json": (render_json, "application/json"),
    }
    if fmt not in renderers:
        raise Http404("no such format")
    render_fn, content_type = renderers[fmt]
    answer = HttpResponse(render_fn(found), content_type=content_type)
    answer["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return answer


@login_required
@require_http_methods(["GET", "POST"])
def manual_upload(request: HttpRequest, code: str) -> HttpResponse:
    from jiliang.monitoring.manual import ManualRefused, upload_file

    energy_user = _visible_user(request, code)
    if not _may_write(request, energy_user):
        raise Http404("no such energy user")
    context: dict[str, Any] = {"energy_user": energy_user, "errors": [], "ack": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [
                {"file": "", "row": "", "field": "file", "reason": _("请选择文件")}
            ]
        else:
            try:
                context["ack"] = upload_file(energy_user, upload, request.user)
            except ManualRefused as exc:
                context["errors"] = exc.errors
    return render(request, "monitoring/manual_upload.html", context)
