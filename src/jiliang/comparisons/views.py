"""Pages of comparison campaigns. Thin: every rule and every query is in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.comparisons import services
from jiliang.comparisons.models import Campaign, Submission
from jiliang.registry.models import Institution
from jiliang.stats import METHODS


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(services.campaigns_for(request.user), pk=pk)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [
            f"{f}: {m}" if f != "__all__" else m for f, ms in exc.message_dict.items() for m in ms
        ]
    return list(exc.messages)


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: ["use YYYY-MM-DD"]}) from None


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = services.campaigns_for(request.user)
    can_create = request.user.institution is not None and services._staff_of(
        request.user, request.user.institution_id
    )
    return render(
        request,
        "comparisons/campaign_list.html",
        {"campaigns": campaigns, "can_create": can_create and request.user.institution.is_lab},
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            deadline = _deadline(post.get("deadline", ""))
            sigma = post.get("sigma_pt", "").strip()
            campaign = services.create_campaign(
                request.user,
                code=post.get("code", ""),
                title=post.get("title", ""),
                kind=post.get("kind", Campaign.Kind.COMPARISON),
                measurand=post.get("measurand", ""),
                unit=post.get("unit", ""),
                method=post.get("method", ""),
                quantity=post.get("quantity", ""),
                deadline=deadline,
                sigma_pt=float(sigma) if sigma else None,
            )
        except PermissionError as exc:
            return HttpResponse(str(exc), status=403)
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        except ValueError:
            errors, status = ["sigma_pt: must be a number"], 400
        else:
            return redirect("comparisons:detail", campaign.pk)
    return render(
        request,
        "comparisons/campaign_new.html",
        {
            "errors": errors,
            "methods": METHODS,
            "kinds": Campaign.Kind.choices,
            "post": request.POST,
        },
        status=status,
    )


def _deadline(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({"deadline": ["use YYYY-MM-DDTHH:MM"]}) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@login_required
def campaign_detail(request: HttpRequest, pk: int, errors: list[str] | None = None) -> HttpResponse:
    campaign = _campaign(request, pk)
    entry = services.own_entry(request.user, campaign)
    manage = services.can_manage(request.user, campaign)
    context: dict[str, Any] = {
        "campaign": campaign,
        "participants": campaign.participants.select_related("institution"),
        "entry": entry,
        "own": Submission.objects.filter(participant=entry).first() if entry else None,
        "manage": manage,
        "passed": services.deadline_passed(campaign),
        "submissions": services.visible_submissions(request.user, campaign),
        "errors": errors or [],
        "labs": Institution.objects.filter(kind__in=Institution.LAB_KINDS).exclude(
            campaign_entries__campaign=campaign
        )
        if manage
        else [],
    }
    return render(
        request, "comparisons/campaign_detail.html", context, status=400 if errors else 200
    )


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    campaign = _campaign(request, pk)
    try:
        action(campaign)
    except PermissionError as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        return campaign_detail(request, pk, _errors(exc))
    return redirect("comparisons:detail", pk)


@login_required
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    return _act(request, pk, lambda c: services.respond(request.user, c, accept))


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    def action(campaign: Campaign) -> None:
        post = request.POST
        try:
            inst = Institution.objects.get(pk=int(post.get("institution", "")))
        except (ValueError, Institution.DoesNotExist):
            raise ValidationError({"institution": ["choose a laboratory"]}) from None
        services.invite(
            request.user,
            campaign,
            inst,
            ship_date=_date(post.get("ship_date", ""), "ship_date"),
            receive_date=_date(post.get("receive_date", ""), "receive_date"),
            measure_from=_date(post.get("measure_from", ""), "measure_from"),
            measure_until=_date(post.get("measure_until", ""), "measure_until"),
        )

    return _act(request, pk, action)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda c: services.close(request.user, c))


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    entry = services.own_entry(request.user, campaign)
    if entry is None:
        return HttpResponse("only participants submit results", status=403)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        reps = [r for r in post.get("replicates", "").replace(",", " ").split() if r]
        try:
            services.submit(
                request.user,
                campaign,
                value=post.get("value"),
                u=post.get("u"),
                dof=post.get("dof") or None,
                replicates=reps,
            )
        except PermissionError as exc:
            return HttpResponse(str(exc), status=403)
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("已提交（密封）"))
            return redirect("comparisons:detail", pk)
    own = Submission.objects.filter(participant=entry).first()
    initial = {"value": "", "u": "", "dof": "", "replicates": ""}
    if own is not None:
        initial = {
            "value": str(own.value),
            "u": str(own.u),
            "dof": "" if own.dof is None else str(own.dof),
            "replicates": " ".join(str(r) for r in own.replicates),
        }
    if request.method == "POST":
        initial = {k: request.POST.get(k, "") for k in initial}
    return render(
        request,
        "comparisons/submit.html",
        {"campaign": campaign, "entry": entry, "errors": errors, "initial": initial},
        status=status,
    )


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    data = services.results_for(request.user, campaign)
    if data is None:
        raise Http404("results are published when the pilot closes the campaign")
    files = campaign.files.values_list("format", flat=True)
    return render(
        request,
        "comparisons/results.html",
        {"campaign": campaign, "data": data, "files": list(files)},
    )


@login_required
def report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    file = services.report_file(request.user, campaign, fmt)
    if file is None:
        raise Http404("no such report file")
    response = HttpResponse(bytes(file.content), content_type=services.REPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{campaign.code}-report.{fmt}"'
    response["X-Content-SHA256"] = file.sha256
    return response


@login_required
def evidence(request: HttpRequest, institution_pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=institution_pk)
    rows = services.evidence_for(request.user, institution)
    return render(request, "comparisons/evidence.html", {"institution": institution, "rows": rows})
