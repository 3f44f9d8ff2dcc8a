"""Cases (立案) from findings, decisions, the campaign's close and its published results.
Legal events (case opened, case decided, campaign closed) go to the transparency log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.ledger.services import Item, append
from jiliang.market import rules
from jiliang.market.models import Campaign, Case, Finding, Inspection, Notice, Premises
from jiliang.market.services import runs
from jiliang.trust import LogRecord

CASE_OPENED = "market.case_opened"
CASE_DECIDED = "market.case_decided"
CAMPAIGN_CLOSED = "market.campaign_closed"


def _log(record_type: str, subject: str, body: dict[str, Any], owner_id: int | None) -> int | None:
    (index,) = append(
        [
            Item(
                LogRecord(record_type, 1, body),
                "market",
                subject,
                f"{record_type}:{subject}",
                owner_id,
            )
        ]
    )
    return index


@transaction.atomic
def open_case(user: Any, finding: Finding, *, basis_code: str) -> Case:
    """A case from a finding, citing an article of the rules data (snapshot kept)."""
    campaign = finding.inspection.campaign
    if not runs(user, campaign):
        raise PermissionError(_("只有组织检查的监管部门可以立案"))
    basis = rules.legal_basis(basis_code)
    if basis is None:
        raise ValidationError({"basis": [_("请从规则中选择法律依据")]})
    premises = finding.inspection.premises
    n = Case.objects.filter(finding__inspection__campaign=campaign).count() + 1
    case = Case.objects.create(
        number=f"{campaign.code}-LA{n:03d}",
        finding=finding,
        premises=premises,
        basis_code=basis_code,
        basis=basis,
        opened_by=user,
    )
    case.log_index = _log(
        CASE_OPENED,
        case.number,
        {
            "case": case.number,
            "campaign": campaign.code,
            "premises": premises.code,
            "owner": premises.owner.uscc,
            "finding": finding.kind,
            "instrument": finding.instrument.serial_number if finding.instrument else None,
            "basis": basis_code,
            "article": basis["article"],
            "measure": basis["measure_title"],
            "opened_on": timezone.localdate().isoformat(),
        },
        premises.owner_id,
    )
    case.save(update_fields=["log_index"])
    return case


@transaction.atomic
def decide_case(
    user: Any, case: Case, *, decision: str, fine: str = "", deadline: dt.date | None = None
) -> Case:
    if not runs(user, case.finding.inspection.campaign):
        raise PermissionError(_("只有组织检查的监管部门可以作出决定"))
    if case.state != Case.State.OPEN:
        raise ValidationError({"state": [_("该案件已作出决定")]})
    errors: dict[str, list[str]] = {}
    if not decision.strip() or len(decision) > 2000:
        errors["decision"] = [_("请填写决定（最多 2000 字）")]
    amount = None
    if fine.strip():
        try:
            amount = Decimal(fine.strip())
        except InvalidOperation:
            amount = None
        cap = case.basis.get("fine_max")
        if amount is None or not amount.is_finite() or amount < 0:
            errors["fine"] = [_("罚款金额须为非负数")]
        elif cap is not None and amount > Decimal(cap):
            errors["fine"] = [_("罚款超过所引条款的上限") + f" ({cap})"]
    if errors:
        raise ValidationError(errors)
    case.decision = decision.strip()
    case.fine = amount
    case.deadline = deadline
    case.state = Case.State.DECIDED
    case.decided_at = timezone.now()
    case.save()
    _log(
        CASE_DECIDED,
        case.number,
        {
            "case": case.number,
            "owner": case.premises.owner.uscc,
            "fine": None if amount is None else str(amount),
            "deadline": deadline.isoformat() if deadline else None,
            "decided_on": timezone.localdate().isoformat(),
        },
        case.premises.owner_id,
    )
    return case


def repeat_offenders(user: Any, min_campaigns: int = 2) -> list[dict[str, Any]]:
    """Premises with findings in at least `min_campaigns` campaigns, among those visible."""
    rows = (
        Premises.objects.visible_to(user)
        .annotate(
            campaigns=Count(
                "inspections__campaign",
                filter=Q(inspections__findings__isnull=False),
                distinct=True,
            ),
            findings=Count("inspections__findings", distinct=True),
        )
        .filter(campaigns__gte=min_campaigns)
        .order_by("-campaigns", "code")
    )
    return [{"premises": p, "campaigns": p.campaigns, "findings": p.findings} for p in rows]


def results(campaign: Campaign) -> dict[str, Any]:
    """What is published: per premises its name, kind, district, findings by kind, notices
    and cases; no personal data (no trader, inspector or signer names)."""
    rows = []
    totals: dict[str, int] = {k: 0 for k in Finding.Kind.values}
    inspections = campaign.inspections.select_related("premises").prefetch_related("findings")
    for insp in inspections:
        kinds: dict[str, int] = {}
        for f in insp.findings.all():
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
            totals[f.kind] += 1
        rows.append(
            {
                "premises": insp.premises.name,
                "code": insp.premises.code,
                "kind": insp.premises.kind,
                "division_code": insp.premises.division_code,
                "inspected": insp.state == Inspection.State.DONE,
                "findings": kinds,
                "notices": Notice.objects.filter(inspection=insp).count(),
                "cases": Case.objects.filter(finding__inspection=insp).count(),
                "conforming": not kinds and insp.state == Inspection.State.DONE,
            }
        )
    return {
        "campaign": campaign.code,
        "title": campaign.title,
        "regulator": campaign.regulator.name_zh,
        "region": campaign.region,
        "premises_kind": campaign.premises_kind,
        "period": [campaign.starts_on.isoformat(), campaign.ends_on.isoformat()],
        "seed": campaign.seed,
        "algorithm": campaign.algorithm,
        "population": len(campaign.population.get("premises", [])),
        "drawn": len(rows),
        "inspected": sum(1 for r in rows if r["inspected"]),
        "with_findings": sum(1 for r in rows if r["findings"]),
        "findings": totals,
        "premises": rows,
    }


@transaction.atomic
def close_campaign(user: Any, campaign: Campaign) -> Campaign:
    """Close and publish (一公开): results frozen into the campaign, event logged."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not runs(user, campaign):
        raise PermissionError(_("只有组织检查的监管部门可以结束检查"))
    if campaign.state != Campaign.State.DRAWN:
        raise ValidationError({"state": [_("只能结束已抽取、未结束的检查")]})
    campaign.results = results(campaign)
    campaign.state = Campaign.State.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save()
    summary = {k: v for k, v in campaign.results.items() if k != "premises"}
    _log(
        CAMPAIGN_CLOSED,
        campaign.code,
        {**summary, "regulator_uscc": campaign.regulator.uscc},
        campaign.regulator_id,
    )
    return campaign


def published() -> Any:
    return Campaign.objects.filter(state=Campaign.State.CLOSED).select_related("regulator")
