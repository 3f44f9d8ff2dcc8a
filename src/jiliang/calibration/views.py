"""Pages of the calibration app: thin views over services.py, every query scoped by the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.bounds import form_id
from jiliang.calibration import keys, services, uploads
from jiliang.calibration.models import Job, Observation, Recall, RecallItem
from jiliang.registry.models import Institution, Instrument, MeasurementStandard


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


def _act(request: HttpRequest, action: Callable[[], Any], ok: str) -> bool:
    """Run a service call; errors become messages on the page (nothing changed)."""
    try:
        action()
    except ValidationError as exc:
        for line in _errors(exc):
            messages.error(request, line)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "not allowed")
        return False
    messages.success(request, ok)
    return True


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = services.jobs_visible_to(request.user).select_related(
        "instrument", "procedure", "certificate"
    )
    return render(
        request,
        "calibration/job_list.html",
        {"jobs": jobs[:300], "is_lab": getattr(request.user, "role", "") == "lab"},
    )


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: f"{text!r} is not a date (YYYY-MM-DD)"}) from None


@login_required
def job_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role != "lab":
        raise PermissionDenied("only laboratory staff receive instruments")
    instruments = Instrument.objects.visible_to(user).select_related("owner")
    procs = services.procedures_for(user)
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            instrument = instruments.filter(
                pk=form_id(form.get("instrument"), "instrument")
            ).first()
            if instrument is None:
                raise ValidationError({"instrument": "choose an instrument"})
            procedure = procs.filter(pk=form_id(form.get("procedure"), "procedure")).first()
            if procedure is None:
                raise ValidationError({"procedure": "choose a procedure"})
            params = {
                k.removeprefix("param_"): v
                for k, v in form.items()
                if k.startswith("param_") and v.strip()
            }
            job = services.create_job(
                user,
                instrument=instrument,
                receipt_number=form.get("receipt_number", ""),
                received_on=_date(form.get("received_on", ""), "received_on"),
                procedure=procedure,
                accuracy_class=form.get("accuracy_class", ""),
                parameters=params,
                condition=form.get("condition", ""),
                in_service=form.get("in_service") == "on",
                statement_requested=form.get("statement_requested") == "on",
                decision_rule=form.get("decision_rule", ""),
                guard_band_factor=form.get("guard_band_factor") or "1",
                english=form.get("english") == "on",
            )
        except ValidationError as exc:
            for line in _errors(exc):
                messages.error(request, line)
        else:
            messages.success(request, _("已收样：%(receipt)s") % {"receipt": job.receipt_number})
            return redirect("calibration:job", job.pk)
    parameters = sorted({name for p in procs for name in services.parsed(p).parameters})
    return render(
        request,
        "calibration/job_new.html",
        {
            "instruments": instruments,
            "procedures": [(p, services.parsed(p)) for p in procs],
            "parameters": parameters,
            "form": form,
            "rules": Job.Rule.choices,
            "today": dt.date.today().isoformat(),
        },
    )


def _visible_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(
        services.jobs_visible_to(request.user).select_related("instrument__owner", "procedure"),
        pk=pk,
    )


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    user: Any = request.user
    staff = services.is_lab_staff(user, job.lab_id)
    proc = services.parsed(job.procedure)
    points = services.test_points(job)
    specs = services.required_inputs(job)
    observations = {(o.point_index, o.state): o for o in job.observations.all()}
    entry = [
        {
            "index": i + 1,
            "point": p,
            "found": observations.get((i, Observation.State.AS_FOUND)),
            "left": observations.get((i, Observation.State.AS_LEFT)),
        }
        for i, p in enumerate(points)
    ]
    step = services.STATUS_STEP.get(Job.Status(job.status))
    context: dict[str, Any] = {
        "job": job,
        "proc": proc,
        "staff": staff,
        "entry": entry,
        "specs": specs,
        "observations": list(job.observations.all()),
        "signatures": job.signatures.select_related("person").order_by("at", "id"),
        "step": step,
        "step_label": dict(services.SignatureEvent.Step.choices).get(step or "", ""),
        "rule": services.rule_text(job),
        "environment_limits": [
            lim for lim in proc.environment if not lim.classes or job.accuracy_class in lim.classes
        ],
        "conclusion": services.conclusion(job) if job.observations.exists() else None,
        "return_methods": Job.ReturnMethod.choices,
        "today": dt.date.today().isoformat(),
    }
    if job.returned:
        step = None  # closed: no more signatures
        context["step"] = None
    if staff and job.status == Job.Status.DRAFT and not job.returned:
        context["candidates"] = services.candidate_standards(job)
        context["chosen"] = set(job.standards.values_list("pk", flat=True))
        context["missing"] = services.readiness_problems(job)
    if staff and step is not None:
        context["signer_problems"] = services.signer_problems(job, user, step)
    return render(request, "calibration/job_detail.html", context)


@login_required
@require_POST
def job_standards(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)

    def action() -> None:
        ids = [form_id(x, "standards") for x in request.POST.getlist("standards")]
        services.set_standards(job, request.user, [i for i in ids if i is not None])

    _act(request, action, _("标准已选定"))
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_conditions(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    env = {k.removeprefix("env_"): v for k, v in request.POST.items() if k.startswith("env_")}
    _act(
        request,
        lambda: services.set_conditions(
            job,
            request.user,
            work_date=_date(request.POST.get("work_date", ""), "work_date"),
            place=request.POST.get("place", ""),
            environment=env,
        ),
        _("环境条件已记录"),
    )
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_observations(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    specs = services.required_inputs(job)
    rows = []
    for i, _point in enumerate(services.test_points(job), start=1):
        for state in Observation.State.values:
            values = {s.name: request.POST.get(f"{state}_{i}_{s.name}", "").strip() for s in specs}
            if not any(values.values()):
                continue
            rows.append(
                {"point": str(i), "state": state, "__row__": f"point {i} {state}", **values}
            )
    _act(
        request,
        lambda: services.record_observations(job, request.user, rows),
        _("已记录 %(n)s 行") % {"n": len(rows)},
    )
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_upload(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    upload = request.FILES.get("file")

    def action() -> None:
        services.require_lab_staff(request.user, job.lab_id)
        if upload is None:
            raise ValidationError({"file": "choose an .xlsx file"})
        rows = uploads.observation_rows(upload)  # bounded: bounds.MAX_OBSERVATIONS_BYTES
        services.record_observations(job, request.user, rows)

    _act(request, action, _("表格已导入"))
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_sign(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    _act(request, lambda: services.sign(job, request.user), _("已签字"))
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_reject(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    _act(
        request,
        lambda: services.reject(job, request.user, request.POST.get("reason", "")),
        _("已退回"),
    )
    return redirect("calibration:job", pk)


@login_required
@require_POST
def job_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the instrument's return to its owner (rules in returns.py)."""
    job = _visible_job(request, pk)
    form = request.POST

    def action() -> None:
        day = form.get("returned_on", "").strip()
        services.return_job(
            job,
            request.user,
            returned_on=_date(day, "returned_on") if day else None,
            returned_to=form.get("returned_to", ""),
            method=form.get("return_method", ""),
            tracking=form.get("return_tracking", ""),
            reason=form.get("return_reason", ""),
        )

    _act(request, action, _("已记录退还"))
    return redirect("calibration:job", pk)


_TYPES = {"pdf": "application/pdf", "dcc": "application/xml"}


@login_required
def certificate_file(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    base, _dot, sig = fmt.partition(".")
    if base not in _TYPES or sig not in ("", "sig"):
        raise Http404("format")
    cert = services.certificates_visible_to(request.user).filter(number=number).first()
    if cert is None:
        raise Http404("certificate")
    try:
        doc = services.document(cert, base)
    except ValidationError:
        raise Http404("file") from None
    ext = "xml" if base == "dcc" else "pdf"
    if sig:
        response = HttpResponse(doc.signature, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{number}.{ext}.sig"'
        return response
    response = HttpResponse(bytes(doc.content), content_type=_TYPES[base])
    disposition = "inline" if base == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{number}.{ext}"'
    return response


@login_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
        name = "form"

        def add() -> None:
            given = (text, name) if upload is None else uploads.procedure_text(upload)
            services.add_procedure(user, *given)

        _act(request, add, _("规程已添加"))
        return redirect("calibration:procedures")
    return render(
        request,
        "calibration/procedure_list.html",
        {"procedures": services.procedures_for(user), "is_lab": user.role == "lab"},
    )


def public_keys(request: HttpRequest) -> HttpResponse:
    """Public keys of the signing institutions: anyone may download them."""
    rows = [
        {
            "institution": inst,
            "key_id": keys.public_key_id(inst.pk),
            "pem": keys.public_key_pem(inst.pk).decode("ascii"),
        }
        for inst in Institution.objects.order_by("id")
        if keys.has_key(inst.pk)
    ]
    return render(request, "calibration/keys.html", {"rows": rows})


def public_key_file(request: HttpRequest, institution_id: int) -> HttpResponse:
    if not keys.has_key(institution_id):
        raise Http404("no key")
    response = HttpResponse(
        keys.public_key_pem(institution_id), content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = f'attachment; filename="institution-{institution_id}.pem"'
    return response


@login_required
def recall_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        holder: dict[str, Recall] = {}

        def action() -> None:
            standard = MeasurementStandard.objects.filter(
                pk=form_id(request.POST.get("standard"), "standard"),
                institution_id=user.institution_id,
            ).first()
            if standard is None:
                raise ValidationError({"standard": "choose one of your standards"})
            holder["recall"] = services.open_recall(
                user,
                standard,
                _date(request.POST.get("since", ""), "since"),
                request.POST.get("reason", ""),
            )

        if _act(request, action, _("已建立召回")):
            return redirect("calibration:recall", holder["recall"].pk)
        return redirect("calibration:recalls")
    recalls = Recall.objects.visible_to(user).select_related("standard")
    standards = MeasurementStandard.objects.filter(institution_id=user.institution_id)
    return render(
        request,
        "calibration/recall_list.html",
        {"recalls": recalls, "standards": standards, "is_lab": user.role == "lab"},
    )


@login_required
def recall_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    recall = get_object_or_404(Recall.objects.visible_to(user), pk=pk)
    if request.method == "POST":
        if "close" in request.POST:
            _act(request, lambda: services.close_recall(recall, user), _("召回已关闭"))
        else:
            notified = request.POST.get("notified_on", "")

            def update() -> None:
                item_id = form_id(request.POST.get("item"), "item")
                item = get_object_or_404(RecallItem, pk=item_id, recall=recall)
                services.update_recall_item(
                    item,
                    user,
                    notified_on=_date(notified, "notified_on") if notified else None,
                    method=request.POST.get("method", ""),
                    new_certificate_number=request.POST.get("new_certificate", "").strip(),
                    waived_reason=request.POST.get("waived_reason", "").strip(),
                )

            _act(request, update, _("已更新"))
        return redirect("calibration:recall", pk)
    return render(
        request,
        "calibration/recall_detail.html",
        {
            "recall": recall,
            "items": recall.items.select_related("certificate__instrument", "customer"),
            "methods": RecallItem.Method.choices[1:],
            "staff": services.is_lab_staff(user, recall.lab_id),
        },
    )
