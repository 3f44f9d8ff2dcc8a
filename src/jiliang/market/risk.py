"""Risk screening: a score per instrument and per premises from the records (overdue and
failure history, use area, the category's drift as data, density of premises), explained term
by term by jiliang.supervision; ranked lists that seed a campaign; coverage afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from jiliang.market.models import Campaign, Finding, Premises
from jiliang.registry.models import Instrument
from jiliang.registry.querysets import in_region
from jiliang.supervision import RiskScore, score_instrument, score_owner

MAX_ROWS = 5000


def _facts(premises_ids: list[int], category: str | None, today: dt.date) -> list[dict[str, Any]]:
    qs = Instrument.objects.filter(premises__in=premises_ids, status=Instrument.Status.IN_SERVICE)
    if category:
        qs = qs.filter(category__number=category)
    qs = (
        qs.annotate(
            fails=Count("certificates", filter=Q(certificates__conclusion="fail"), distinct=True)
        )
        .select_related("category")
        .distinct()[:MAX_ROWS]
    )
    found = dict(
        Finding.objects.filter(instrument__in=[i.pk for i in qs])
        .values_list("instrument")
        .annotate(n=Count("id"))
    )
    links = dict(
        Premises.instruments.through.objects.filter(
            premises_id__in=premises_ids, instrument_id__in=[i.pk for i in qs]
        ).values_list("instrument_id", "premises_id")
    )
    rows = []
    for inst in qs:
        due = inst.due_date
        rows.append(
            {
                "instrument": inst,
                "premises_id": links.get(inst.pk),
                "days_overdue": (today - due).days if due and due < today else 0,
                "never_verified": due is None,
                "failures": int(inst.fails) + int(found.get(inst.pk, 0)),
                "use_area": inst.use_area,
                "category": inst.category.number if inst.category else "",
            }
        )
    return rows


def screen(
    user: Any, *, region: str, kind: str, category: str | None, today: dt.date
) -> dict[str, Any]:
    """Ranked instruments and premises of a kind in a region (visible to the user)."""
    places = list(
        Premises.objects.visible_to(user)
        .filter(kind=kind)
        .filter(in_region("division_code", region))
    )
    density: dict[str, int] = {}
    for p in places:
        density[p.division_code] = density.get(p.division_code, 0) + 1
    by_id = {p.pk: p for p in places}
    instruments = []
    per_premises: dict[int, list[RiskScore]] = {}
    for f in _facts(list(by_id), category, today):
        place = by_id.get(f["premises_id"])
        if place is None:
            continue
        score = score_instrument(
            days_overdue=f["days_overdue"],
            never_verified=f["never_verified"],
            failures=f["failures"],
            use_area=f["use_area"],
            category=f["category"],
            premises_density=density[place.division_code],
        )
        instruments.append({"instrument": f["instrument"], "premises": place, "score": score})
        per_premises.setdefault(place.pk, []).append(score)
    instruments.sort(key=lambda r: (-r["score"].total, r["instrument"].serial_number))
    owners = sorted(
        (
            {"premises": by_id[pk], "score": score_owner(s), "instruments": len(s)}
            for pk, s in per_premises.items()
        ),
        key=lambda r: (-r["score"].total, r["premises"].code),
    )
    return {"instruments": instruments, "premises": owners}


def coverage(campaign: Campaign, today: dt.date) -> dict[str, Any]:
    """After (or during) a campaign: of the instruments at the drawn premises (of the
    campaign's categories), how many are verified now, and their mean risk now."""
    ids = list(campaign.inspections.values_list("premises_id", flat=True))
    category = campaign.categories[0] if len(campaign.categories) == 1 else None
    facts = _facts(ids, category, today)
    valid = sum(1 for f in facts if not f["never_verified"] and f["days_overdue"] == 0)
    scores = [
        score_instrument(
            days_overdue=f["days_overdue"],
            never_verified=f["never_verified"],
            failures=f["failures"],
            use_area=f["use_area"],
            category=f["category"],
            premises_density=0,
        ).total
        for f in facts
    ]
    return {
        "instruments": len(facts),
        "verified": valid,
        "due": len(facts) - valid,
        "mean_risk": sum(scores) / len(scores) if scores else 0.0,
        "risk_at_draw": campaign.population.get("risk_at_draw"),
    }
