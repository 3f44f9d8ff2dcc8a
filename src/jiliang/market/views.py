"""Pages of market supervision (regulator, inspector on a phone): thin; rules in services.py
and cases.py, every query scoped by the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.market import cases, risk, rules, services
from jiliang.market.models import Campaign, Case, Finding, Inspection, Notice, Photo, Premises
from jiliang.registry.querysets import region_prefix


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError({field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _int(value: str, field: str, default: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        if default is not None:
            return default
        raise ValidationError({field: [_("应为整数")]}) from None
    if not -(2**31) < number < 2**31:
        raise ValidationError({field: [_("应为整数")]})
    return number


def _forbidden(message: str) -> HttpResponse:
    return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The regulator's campaigns (and the plan form); an inspector's assignments."""
    user: Any = request.user
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            campaign = services.plan_campaign(
                user,
                code=post.get("code", ""),
                title=post.get("title", ""),
                region=post.get("region", ""),
                premises_kind=post.get("premises_kind", ""),
                starts_on=_date(post.get("starts_on", ""), "starts_on"),
                ends_on=_date(post.get("ends_on", ""), "ends_on"),
                premises_count=_int(post.get("premises_count", ""), "premises_count"),
                inspectors_count=_int(post.get("inspectors_count", "1"), "inspectors_count", 1),
                categories=[c for c in post.get("categories", "").replace(",", " ").split() if c],
            )
        except PermissionError as exc:
            return _forbidden(str(exc))
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:campaign", campaign.pk)
    mine = (
        Inspection.objects.filter(inspector=user, campaign__state=Campaign.State.DRAWN)
        .select_related("premises", "campaign")
        .order_by("campaign", "position")
    )
    return render(
        request,
        "market/index.html",
        {
            "campaigns": Campaign.objects.visible_to(user).select_related("regulator"),
            "mine": mine,
            "regulator": services.is_regulator(user),
            "kinds": Premises.Kind.choices,
            "errors": errors,
            "today": timezone.localdate(),
            "repeat": cases.repeat_offenders(user) if services.is_regulator(user) else [],
        },
        status=status,
    )


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    c = get_object_or_404(Campaign.objects.visible_to(user), pk=pk)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "draw":
                services.draw_campaign(user, c, request.POST.get("seed", ""))
            elif action == "close":
                cases.close_campaign(user, c)
            else:
                raise ValidationError({"action": [_("未知操作")]})
        except PermissionError as exc:
            return _forbidden(str(exc))
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:campaign", c.pk)
        c.refresh_from_db()
    inspections = c.inspections.select_related("premises", "inspector").prefetch_related(
        "findings__instrument", "findings__cases", "notices"
    )
    return render(
        request,
        "market/campaign.html",
        {
            "c": c,
            "inspections": inspections,
            "runs": services.runs(user, c),
            "bases": rules.legal_bases(),
            "errors": errors,
            "rerun": services.redraw(c) if c.seed else None,
            "coverage": risk.coverage(c, timezone.localdate()) if c.seed else None,
            "recorded": services.recorded_draw(c) if c.seed else None,
        },
        status=status,
    )


@login_required
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspector's phone form: instruments with state, findings, signature, notice."""
    user: Any = request.user
    insp = get_object_or_404(
        Inspection.objects.select_related("premises", "campaign", "campaign__regulator"), pk=pk
    )
    if not services.may_see(user, insp):
        raise Http404
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "")
        try:
            if action == "finding":
                upload = request.FILES.get("photo")
                data = None
                if upload is not None:
                    if upload.size is not None and upload.size > services.MAX_PHOTO_BYTES:
                        raise ValidationError(
                            {"photo": [_("照片过大") + f" ({upload.size:,} bytes)"]}
                        )
                    data = upload.read(services.MAX_PHOTO_BYTES + 1)
                raw = post.get("instrument", "")
                services.add_finding(
                    user,
                    insp,
                    kind=post.get("kind", ""),
                    instrument_id=_int(raw, "instrument") if raw else None,
                    note=post.get("note", ""),
                    photo=data,
                )
            elif action == "sign":
                answers = {
                    c["code"]: post.get(f"check_{c['code']}") == "on"
                    for c in insp.campaign.checklist
                }
                services.sign(
                    user,
                    insp,
                    name=post.get("signed_by", ""),
                    refused=post.get("refused") == "on",
                    answers=answers,
                )
            elif action == "notice":
                services.issue_notice(
                    user,
                    insp,
                    requirements=post.get("requirements", ""),
                    deadline=_date(post.get("deadline", ""), "deadline"),
                )
            elif action == "follow_up":
                notice = get_object_or_404(
                    Notice, pk=_int(post.get("notice", ""), "notice"), inspection=insp
                )
                services.follow_up(user, notice, rectified=post.get("rectified") == "yes")
            else:
                raise ValidationError({"action": [_("未知操作")]})
        except PermissionError as exc:
            return _forbidden(str(exc))
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:inspection", insp.pk)
    today = timezone.localdate()
    return render(
        request,
        "market/inspection.html",
        {
            "insp": insp,
            "rows": services.instruments_with_state(insp, today),
            "findings": insp.findings.select_related("instrument").prefetch_related("photos"),
            "notices": insp.notices.all(),
            "kinds": Finding.Kind.choices,
            "can_edit": services.may_inspect(user, insp)
            and insp.campaign.state == Campaign.State.DRAWN,
            "errors": errors,
            "default_deadline": today + dt.timedelta(days=15),
        },
        status=status,
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A finding's photo, only to those who may see the inspection."""
    item = get_object_or_404(Photo.objects.select_related("finding__inspection__campaign"), pk=pk)
    if not services.may_see(request.user, item.finding.inspection):
        raise Http404
    path = services.photo_dir() / item.path
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    finding = get_object_or_404(Finding.objects.select_related("inspection__campaign"), pk=pk)
    if not services.may_see(user, finding.inspection):
        raise Http404
    try:
        case = cases.open_case(user, finding, basis_code=request.POST.get("basis", ""))
    except PermissionError as exc:
        return _forbidden(str(exc))
    except ValidationError as exc:
        return HttpResponse(
            "; ".join(_errors(exc)), status=400, content_type="text/plain; charset=utf-8"
        )
    return redirect("market:case", case.pk)


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = get_object_or_404(
        Case.objects.visible_to(user).select_related("premises", "finding__inspection__campaign"),
        pk=pk,
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            deadline = _date(post["deadline"], "deadline") if post.get("deadline") else None
            cases.decide_case(
                user,
                item,
                decision=post.get("decision", ""),
                fine=post.get("fine", ""),
                deadline=deadline,
            )
        except PermissionError as exc:
            return _forbidden(str(exc))
        except ValidationError as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("market:case", item.pk)
    return render(
        request,
        "market/case.html",
        {
            "case": item,
            "runs": services.runs(user, item.finding.inspection.campaign),
            "errors": errors,
        },
        status=status,
    )


# -- public (no login) ----------------------------------------------------------------------


def public_results(request: HttpRequest) -> HttpResponse:
    return render(request, "market/public_results.html", {"campaigns": cases.published()})


def public_result(request: HttpRequest, code: str) -> HttpResponse:
    c = get_object_or_404(cases.published(), code=code)
    return render(request, "market/public_result.html", {"c": c, "r": c.results})


@login_required
def screening(request: HttpRequest) -> HttpResponse:
    """Ranked premises and instruments of a kind in the regulator's region, term by term."""
    user: Any = request.user
    if not services.is_regulator(user):
        return _forbidden(_("只有市场监管部门的人员可以这样做"))
    own = region_prefix(user.institution.division_code)
    region = request.GET.get("region", "").strip()[:6] or own
    if not region.isdigit() or not region.startswith(own):
        region = own
    kind = request.GET.get("kind", "restaurant")
    if kind not in Premises.Kind.values:
        kind = "restaurant"
    category = request.GET.get("category", "").strip()[:10] or None
    result = risk.screen(
        user, region=region, kind=kind, category=category, today=timezone.localdate()
    )
    return render(
        request,
        "market/screening.html",
        {
            "region": region,
            "kind": kind,
            "category": category or "",
            "kinds": Premises.Kind.choices,
            "premises": result["premises"][:50],
            "instruments": result["instruments"][:50],
        },
    )


@login_required
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice of rectification as PDF (weasyprint), for the inspector and the regulator.
    The document is in Chinese, as served on the premises."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    notice = get_object_or_404(
        Notice.objects.select_related("inspection__campaign__regulator", "inspection__premises"),
        pk=pk,
    )
    if not services.may_see(request.user, notice.inspection):
        raise Http404
    html = render_to_string(
        "market/notice_pdf.html",
        {"n": notice, "findings": notice.inspection.findings.select_related("instrument")},
    )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
