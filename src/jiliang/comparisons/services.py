"""Business rules of comparison campaigns. Pages, API and tests all go through here.

Sealing: before the deadline a participant sees only its own submission and the pilot sees
none; after the deadline the pilot sees all; once the pilot closes the campaign every
participant sees the results. Time is always django.utils.timezone.now().
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from jiliang.comparisons.models import (
    Campaign,
    CapabilityEvidence,
    Participant,
    ReportFile,
    Submission,
)
from jiliang.registry.models import Institution, Quantity
from jiliang.registry.querysets import is_admin
from jiliang.stats import (
    METHODS,
    LabResult,
    StatsInputError,
    classify_score,
    en_satisfactory,
    evaluate_comparison,
    mandel_h_k,
    plot_degrees_of_equivalence,
    plot_mandel,
)

STAFF_ROLES = frozenset({"lab", "centre", "admin"})
REPORT_FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "doe.png": "image/png",
    "mandel.png": "image/png",
}


def _now() -> dt.datetime:
    return timezone.now()


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _staff_of(user: Any, institution_id: int) -> bool:
    """A lab/centre member of the institution (admins count as everyone's staff)."""
    if is_admin(user):
        return True
    return (
        _authenticated(user)
        and user.institution_id == institution_id
        and getattr(user, "role", "") in STAFF_ROLES
    )


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """Campaigns a user may see: the pilot's and the invited institutions' members."""
    qs = Campaign.objects.select_related("pilot")
    if is_admin(user):
        return qs
    if not _authenticated(user) or user.institution_id is None:
        return qs.none()
    mine = user.institution_id
    ids = Campaign.objects.filter(Q(pilot_id=mine) | Q(participants__institution_id=mine))
    return qs.filter(pk__in=ids.values("pk"))


def can_manage(user: Any, campaign: Campaign) -> bool:
    return _staff_of(user, campaign.pilot_id)


def deadline_passed(campaign: Campaign) -> bool:
    return _now() >= campaign.deadline


def own_entry(user: Any, campaign: Campaign) -> Participant | None:
    if not _authenticated(user) or user.institution_id is None:
        return None
    return campaign.participants.filter(institution_id=user.institution_id).first()


def visible_submissions(user: Any, campaign: Campaign) -> QuerySet[Submission]:
    """The sealing rule as one query; every page and endpoint that shows results uses it."""
    base = Submission.objects.filter(participant__campaign=campaign).select_related(
        "participant__institution"
    )
    if not campaigns_for(user).filter(pk=campaign.pk).exists():
        return base.none()
    if campaign.status == Campaign.Status.CLOSED:
        return base
    if deadline_passed(campaign) and can_manage(user, campaign):
        return base
    if user.institution_id is None:
        return base.none()
    return base.filter(participant__institution_id=user.institution_id)


def _deny(reason: str, field: str = "") -> ValidationError:
    return ValidationError({field or "__all__": [reason]})


def _finite(value: Any, field: str, *, positive: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _deny("must be a number", field) from None
    if not math.isfinite(number) or (positive and number <= 0.0):
        raise _deny("must be a finite number > 0" if positive else "must be finite", field)
    return number


def create_campaign(
    user: Any,
    *,
    code: str,
    title: str,
    measurand: str,
    unit: str,
    method: str,
    deadline: dt.datetime,
    kind: str = Campaign.Kind.COMPARISON,
    quantity: str = "",
    sigma_pt: float | None = None,
    pilot: Institution | None = None,
) -> Campaign:
    """A new campaign piloted by the user's own laboratory (admins name the pilot)."""
    if pilot is None:
        pilot = user.institution if _authenticated(user) else None
    if pilot is None or not _staff_of(user, pilot.pk):
        raise PermissionError("only laboratory staff of the pilot may create its campaign")
    if not pilot.is_lab:
        raise _deny("the pilot must be a laboratory or a metrology centre", "pilot")
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = ["required"]
    elif Campaign.objects.filter(code=code).exists():
        errors["code"] = [f"campaign {code!r} already exists"]
    for name, text in (("title", title), ("measurand", measurand), ("unit", unit)):
        if not text.strip():
            errors[name] = ["required"]
    if method not in METHODS:
        errors["method"] = [f"unknown method {method!r}; choose one of {', '.join(METHODS)}"]
    if kind not in Campaign.Kind.values:
        errors["kind"] = [f"choose one of {', '.join(Campaign.Kind.values)}"]
    if timezone.is_naive(deadline):
        errors["deadline"] = ["give a time zone"]
    elif deadline <= _now():
        errors["deadline"] = ["must lie in the future"]
    q = None
    if quantity:
        q = Quantity.objects.filter(code=quantity).first()
        if q is None:
            errors["quantity"] = [f"unknown quantity {quantity!r}"]
    if sigma_pt is not None and not (math.isfinite(sigma_pt) and sigma_pt > 0):
        errors["sigma_pt"] = ["must be a finite number > 0"]
    if errors:
        raise ValidationError(errors)
    return Campaign.objects.create(
        code=code.strip(),
        title=title.strip(),
        kind=kind,
        pilot=pilot,
        quantity=q,
        measurand=measurand.strip(),
        unit=unit.strip(),
        method=method,
        sigma_pt=sigma_pt,
        deadline=deadline,
        created_by=user,
    )


def _require_open(campaign: Campaign) -> None:
    if campaign.status != Campaign.Status.OPEN:
        raise _deny("the campaign is closed")


def invite(
    user: Any,
    campaign: Campaign,
    institution: Institution,
    *,
    ship_date: dt.date | None = None,
    receive_date: dt.date | None = None,
    measure_from: dt.date | None = None,
    measure_until: dt.date | None = None,
) -> Participant:
    """Invite a laboratory with its slot in the artefact's circulation."""
    if not can_manage(user, campaign):
        raise PermissionError("only the pilot's staff may invite participants")
    _require_open(campaign)
    if deadline_passed(campaign):
        raise _deny("the deadline has passed", "institution")
    if not institution.is_lab:
        raise _deny(f"{institution.name_zh} is not a laboratory", "institution")
    if campaign.participants.filter(institution=institution).exists():
        raise _deny(f"{institution.name_zh} is already invited", "institution")
    _check_schedule(ship_date, receive_date, measure_from, measure_until, campaign)
    order = campaign.participants.count() + 1
    return Participant.objects.create(
        campaign=campaign,
        institution=institution,
        order=order,
        ship_date=ship_date,
        receive_date=receive_date,
        measure_from=measure_from,
        measure_until=measure_until,
    )


def _check_schedule(
    ship: dt.date | None,
    receive: dt.date | None,
    start: dt.date | None,
    end: dt.date | None,
    campaign: Campaign,
) -> None:
    steps = [("ship_date", ship), ("receive_date", receive), ("measure_from", start)]
    steps.append(("measure_until", end))
    known = [(name, day) for name, day in steps if day is not None]
    for (a, da), (b, db) in itertools.pairwise(known):
        if db < da:
            raise _deny(f"must not be before {a}", b)
    if end is not None and end > timezone.localtime(campaign.deadline).date():
        raise _deny("the measurement window must end by the deadline", "measure_until")


def set_schedule(
    user: Any,
    entry: Participant,
    *,
    ship_date: dt.date | None,
    receive_date: dt.date | None,
    measure_from: dt.date | None,
    measure_until: dt.date | None,
) -> Participant:
    """The pilot moves a participant's slot in the circulation (while the campaign is open)."""
    campaign = entry.campaign
    if not can_manage(user, campaign):
        raise PermissionError("only the pilot's staff plan the circulation")
    _require_open(campaign)
    _check_schedule(ship_date, receive_date, measure_from, measure_until, campaign)
    entry.ship_date = ship_date
    entry.receive_date = receive_date
    entry.measure_from = measure_from
    entry.measure_until = measure_until
    entry.save(update_fields=["ship_date", "receive_date", "measure_from", "measure_until"])
    return entry


def respond(user: Any, campaign: Campaign, accept: bool) -> Participant:
    """The invited laboratory accepts or declines (once, before the deadline)."""
    entry = own_entry(user, campaign)
    if entry is None or not _staff_of(user, entry.institution_id):
        raise PermissionError("only staff of an invited laboratory may answer the invitation")
    _require_open(campaign)
    if deadline_passed(campaign):
        raise _deny("the deadline has passed")
    if entry.state != Participant.State.INVITED:
        raise _deny(f"the invitation was already {entry.state}", "state")
    entry.state = Participant.State.ACCEPTED if accept else Participant.State.DECLINED
    entry.responded_at = _now()
    entry.save(update_fields=["state", "responded_at"])
    return entry


def submit(
    user: Any,
    campaign: Campaign,
    *,
    value: Any,
    u: Any,
    dof: Any = None,
    replicates: list[Any] | None = None,
) -> Submission:
    """Seal (or replace, before the deadline) the participant's own result."""
    entry = own_entry(user, campaign)
    if entry is None or not _staff_of(user, entry.institution_id):
        raise PermissionError("only staff of a participating laboratory may submit")
    _require_open(campaign)
    if deadline_passed(campaign):
        raise _deny("the deadline has passed; results can no longer be submitted")
    if entry.state != Participant.State.ACCEPTED:
        raise _deny("accept the invitation before submitting", "state")
    x = _finite(value, "value")
    ux = _finite(u, "u", positive=True)
    nu = None if dof in (None, "") else _finite(dof, "dof", positive=True)
    reps = [_finite(r, f"replicates[{i}]") for i, r in enumerate(replicates or [])]
    if len(reps) == 1:
        raise _deny("give at least 2 replicates, or none", "replicates")
    fields = {
        "value": x,
        "u": ux,
        "dof": nu,
        "replicates": reps,
        "submitted_at": _now(),
        "submitted_by": user,
    }
    sub, _ = Submission.objects.update_or_create(participant=entry, defaults=fields)
    return sub


@dataclass(frozen=True)
class _Figures:
    doe_png: bytes
    mandel_png: bytes | None


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def _labels(entries: list[Participant]) -> dict[int, str]:
    """Unique lab labels (the English name, or the Chinese one) for the core."""
    labels: dict[int, str] = {}
    seen: set[str] = set()
    for p in entries:
        label = p.lab_label
        if label in seen:
            label = f"{label} #{p.institution_id}"
        seen.add(label)
        labels[p.pk] = label
    return labels


@transaction.atomic
def close(user: Any, campaign: Campaign) -> Campaign:
    """After the deadline: compute reference, DoEs and scores; store report and evidence."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not can_manage(user, campaign):
        raise PermissionError("only the pilot's staff may close the campaign")
    _require_open(campaign)
    if not deadline_passed(campaign):
        raise _deny("the campaign can be closed only after its deadline", "deadline")
    subs = list(
        Submission.objects.filter(
            participant__campaign=campaign, participant__state=Participant.State.ACCEPTED
        ).select_related("participant__institution")
    )
    entries = [s.participant for s in subs]
    labels = _labels(entries)
    labs = [LabResult(labels[s.participant_id], s.value, s.u, s.dof) for s in subs]
    try:
        result = evaluate_comparison(labs, campaign.method, sigma_pt=campaign.sigma_pt)
    except StatsInputError as exc:
        raise _deny(exc.reason, "submissions") from exc
    by_label = {labels[s.participant_id]: s for s in subs}
    mandel = None
    reps = {labels[s.participant_id]: s.replicates for s in subs if len(s.replicates) >= 2}
    mandel_note = ""
    if len(reps) >= 3:
        try:
            mandel = mandel_h_k(reps)
        except StatsInputError as exc:
            mandel_note = exc.reason
    else:
        mandel_note = "Mandel's h and k need replicates from at least 3 laboratories"
    now = _now()
    rows = []
    for doe in result.labs:
        sub = by_label[doe.lab]
        rows.append(
            {
                "lab": doe.lab,
                "institution_id": sub.participant.institution_id,
                "value": doe.value,
                "u": doe.u,
                "dof": sub.dof,
                "d": doe.d,
                "U_d": doe.U_d,
                "En": doe.En,
                "zeta": doe.zeta,
                "z": doe.z,
                "En_satisfactory": en_satisfactory(doe.En),
                "z_class": None if doe.z is None else classify_score(doe.z),
            }
        )
    data: dict[str, Any] = {
        "campaign": campaign.code,
        "measurand": campaign.measurand,
        "unit": campaign.unit,
        "method": result.method,
        "reference": {
            "value": result.reference.value,
            "u": result.reference.u,
            "U": result.reference.U,
            "k": result.reference.k,
        },
        "consistency": None
        if result.consistency is None
        else {
            "chi2": result.consistency.chi2,
            "dof": result.consistency.dof,
            "p": result.consistency.p,
            "consistent": result.consistency.consistent,
        },
        "tau": result.tau,
        "labs": rows,
        "mandel": None
        if mandel is None
        else {"labs": list(mandel.labs), "h": list(mandel.h), "k": list(mandel.k)},
        "mandel_note": mandel_note,
        "closed_at": now.isoformat(),
    }
    figures = _Figures(
        _png(plot_degrees_of_equivalence(result, campaign.unit)),
        None if mandel is None else _png(plot_mandel(mandel)),
    )
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = now
    campaign.closed_by = user
    campaign.result = data
    campaign.save(update_fields=["status", "closed_at", "closed_by", "result"])
    for row in rows:
        CapabilityEvidence.objects.create(
            institution_id=row["institution_id"],
            campaign=campaign,
            measurand=campaign.measurand,
            unit=campaign.unit,
            value=row["value"],
            u=row["u"],
            d=row["d"],
            U_d=row["U_d"],
            En=row["En"],
            zeta=row["zeta"],
            z=row["z"],
            en_satisfactory=row["En_satisfactory"],
            recorded_at=now,
        )
    _store_files(campaign, data, figures, now)
    return campaign


def _csv(data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    cols = ["lab", "value", "u", "dof", "d", "U_d", "En", "zeta", "z"]
    w.writerow(cols)
    for row in data["labs"]:
        w.writerow(["" if row[c] is None else row[c] for c in cols])
    ref = data["reference"]
    w.writerow(["reference", ref["value"], ref["u"], "", "", ref["U"], "", "", ""])
    return out.getvalue().encode("utf-8")


def _store_files(
    campaign: Campaign, data: dict[str, Any], figures: _Figures, now: dt.datetime
) -> None:
    from weasyprint import HTML

    def uri(png: bytes | None) -> str | None:
        return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode()

    html = render_to_string(
        "comparisons/report_pdf.html",
        {
            "campaign": campaign,
            "data": data,
            "participants": campaign.participants.select_related("institution"),
            "doe_png": uri(figures.doe_png),
            "mandel_png": uri(figures.mandel_png),
        },
    )
    files: dict[str, bytes] = {
        "pdf": HTML(string=html).write_pdf(),
        "csv": _csv(data),
        "json": json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        "doe.png": figures.doe_png,
    }
    if figures.mandel_png is not None:
        files["mandel.png"] = figures.mandel_png
    for fmt, content in files.items():
        ReportFile.objects.create(
            campaign=campaign,
            format=fmt,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            created_at=now,
        )


def results_for(user: Any, campaign: Campaign) -> dict[str, Any] | None:
    """The computed results, for members of a closed campaign only."""
    if campaign.status != Campaign.Status.CLOSED:
        return None
    if not campaigns_for(user).filter(pk=campaign.pk).exists():
        return None
    return campaign.result


def report_file(user: Any, campaign: Campaign, fmt: str) -> ReportFile | None:
    if results_for(user, campaign) is None or fmt not in REPORT_FORMATS:
        return None
    return campaign.files.filter(format=fmt).first()


def evidence_for(user: Any, institution: Institution | None = None) -> QuerySet[CapabilityEvidence]:
    qs = CapabilityEvidence.objects.visible_to(user).select_related("campaign", "institution")
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs
