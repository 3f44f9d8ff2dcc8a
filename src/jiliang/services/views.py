"""Pages of the public service platform: kinds, applying, a case, the regulator's queue,
pattern approvals; the filing pages are in filing_views.py. Views stay thin: every rule is
in workflow.py / filing.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiliang.registry.models import Authorisation, MeasurementStandard, Person
from jiliang.registry.services import NEEDS_EXAMINATION
from jiliang.services import clock, kinds, queue, workflow
from jiliang.services.models import Application, Material, PatternApproval
from jiliang.services.workflow import ServiceError, Upload


def today() -> dt.date:
    return dt.date.today()


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine: list[Any] = []
    if user.is_authenticated:
        apps = workflow.visible_applications(user).order_by("-submitted_on", "-id")[:50]
        mine = queue.rows(list(apps), today())
    context = {
        "kinds": [kinds.kind(k) for k in kinds.APPLICATION_KINDS],
        "filing_kind": kinds.kind("mandatory_filing"),
        "rows": mine,
        "is_regulator": getattr(getattr(user, "institution", None), "kind", "") == "regulator",
    }
    return render(request, "services/home.html", context)


def _uploads(request: HttpRequest, kind: kinds.Kind) -> list[Upload]:
    out = []
    for material in kind.materials:
        for f in request.FILES.getlist(f"m_{material.key}")[:5]:
            size = f.size or 0
            if size > workflow.MAX_MATERIAL_BYTES:  # not read into memory
                raise ServiceError(
                    f"materials.{material.key}",
                    f"{f.name}: {size:,} > {workflow.MAX_MATERIAL_BYTES:,} bytes",
                )
            out.append(Upload(material.key, f.name or "upload", f.read()))
    return out


@login_required
def apply(request: HttpRequest, kind_key: str) -> HttpResponse:
    if kind_key not in kinds.APPLICATION_KINDS:
        raise Http404
    kind = kinds.kind(kind_key)
    user: Any = request.user
    error = None
    if request.method == "POST":
        try:
            application = workflow.submit(
                user, kind_key, request.POST.dict(), _uploads(request, kind), today()
            )
            return redirect("services:case", application.pk)
        except ServiceError as exc:
            error = exc
    institution = user.institution_id
    context = {
        "kind": kind,
        "error": error,
        "data": request.POST,
        "standards": MeasurementStandard.objects.filter(
            institution_id=institution, kind__in=NEEDS_EXAMINATION
        ).order_by("code")
        if institution
        else [],
        "people": Person.objects.filter(institution_id=institution).order_by("name")
        if institution
        else [],
        "forms": Authorisation.Form.choices,
    }
    return render(request, "services/apply.html", context, status=400 if error else 200)


def _case(request: HttpRequest, pk: int) -> Application:
    user = request.user
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(workflow.visible_applications(user), pk=pk)


@login_required
def case(request: HttpRequest, pk: int, error: ServiceError | None = None) -> HttpResponse:
    application = _case(request, pk)
    events = list(application.events.select_related("actor"))
    kind = kinds.kind(application.kind)
    user = request.user
    context = {
        "app": application,
        "kind": kind,
        "events": events,
        "clock": clock.clock(application, today(), events),
        "materials": list(application.materials.defer("content")),
        "authority": workflow.is_authority(user, application),
        "applicant": workflow.is_applicant(user, application),
        "has_assign": kind.has("assign"),
        "corrected": any(e.action == "correct" for e in events),
        "error": error,
        "correction": next((e for e in events if e.action == "correct"), None),
        "pattern": PatternApproval.objects.filter(application=application).first(),
        "standard_id": application.subject.get("standard_id"),
    }
    return render(request, "services/case.html", context, status=400 if error else 200)


@login_required
def material(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    application = _case(request, pk)
    user = request.user
    if not (workflow.is_applicant(user, application) or workflow.is_authority(user, application)):
        raise Http404
    found = get_object_or_404(Material, pk=material_id, application=application)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.sha256[:16]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = _case(request, pk)
    user = request.user
    post = request.POST
    on = today()
    try:
        if action == "accept":
            workflow.accept(user, application, on)
        elif action == "refuse":
            workflow.refuse(user, application, post.get("reason", ""), on)
        elif action == "correct":
            workflow.request_correction(user, application, post.get("items", "").splitlines(), on)
        elif action == "resubmit":
            uploads = _uploads(request, kinds.kind(application.kind))
            workflow.resubmit(user, application, uploads, post.get("note", ""), on)
        elif action == "assign":
            names = post.get("examiners", "").replace("，", ",").split(",")
            workflow.assign(user, application, names, on)
        elif action == "result":
            workflow.record_result(
                user, application, post.get("passed") == "yes", post.get("note", ""), on
            )
        elif action == "decide":
            workflow.decide(
                user, application, post.get("answer") == "approve", post.get("reason", ""), on
            )
        else:
            raise Http404
    except ServiceError as exc:
        application.refresh_from_db()
        return case(request, pk, error=exc)
    return redirect("services:case", pk)


@login_required
def regulator_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    institution = user.institution
    if institution is None or institution.kind != "regulator":
        return render(request, "services/queue.html", {"denied": True}, status=403)
    return render(request, "services/queue.html", queue.for_regulator(institution, today()))


def patterns(request: HttpRequest) -> HttpResponse:
    rows = PatternApproval.objects.visible_to(request.user).select_related(
        "maker", "authority", "category"
    )[:500]
    return render(request, "services/patterns.html", {"rows": rows})
