"""Queues: open cases with their clocks, overdue cases escalated to the regulator above,
and each authority's on-time rate (decided cases decided by their due date)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from jiliang.registry.models import Institution
from jiliang.services import clock, kinds
from jiliang.services.models import Application, Event


@dataclass(frozen=True)
class Row:
    app: Application
    kind_name: str
    clock: clock.Clock


def rows(apps: Sequence[Application], today: dt.date) -> list[Row]:
    events: dict[int, list[Event]] = {a.pk: [] for a in apps}
    for event in Event.objects.filter(application_id__in=list(events)).order_by("on", "id"):
        events[event.application_id].append(event)
    english = (get_language() or "").startswith("en")  # kinds.yaml holds both names

    def name(key: str) -> str:
        kind = kinds.kind(key)
        return kind.name_en if english else kind.name

    return [Row(a, name(a.kind), clock.clock(a, today, events[a.pk])) for a in apps]


def on_time_rate(authority: Institution) -> tuple[int, int]:
    """(decided on time, decided) over accepted and decided cases of an authority."""
    decided = list(
        Application.objects.filter(
            authority=authority, state__in=["approved", "rejected"], accepted_on__isnull=False
        )
    )
    found = rows(decided, dt.date.today())
    ok = sum(
        1
        for r in found
        if r.app.decided_on is not None
        and r.clock.due is not None
        and r.app.decided_on <= r.clock.due
    )
    return ok, len(found)


def for_regulator(institution: Institution, today: dt.date) -> dict[str, Any]:
    open_cases = list(
        Application.objects.filter(authority=institution, state__in=clock.OPEN_STATES)
        .select_related("applicant")
        .order_by("submitted_on", "id")
    )
    mine = rows(open_cases, today)
    mine.sort(key=lambda r: r.clock.remaining if r.clock.remaining is not None else 10**6)
    # Escalation: overdue cases of the regulators below this one (same province prefix).
    escalated: list[Row] = []
    code = institution.division_code
    if code.endswith("0000"):
        below = (
            Application.objects.filter(
                state__in=clock.OPEN_STATES,
                authority__kind=Institution.Kind.REGULATOR,
                authority__division_code__startswith=code[:2],
            )
            .exclude(authority=institution)
            .select_related("applicant", "authority")
        )
        escalated = [r for r in rows(list(below), today) if r.clock.overdue]
    ok, decided = on_time_rate(institution)
    return {
        "rows": mine,
        "overdue": sum(1 for r in mine if r.clock.overdue),
        "escalated": escalated,
        "on_time": ok,
        "decided": decided,
        "rate": (100.0 * ok / decided) if decided else None,
        "institution": institution,
    }
