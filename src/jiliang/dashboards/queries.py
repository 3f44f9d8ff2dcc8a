"""The figures behind the home charts: one aggregate query each, bounded in time.

Every query starts from `visible_to(user)`, so a chart counts what its viewer may see. The
due dates of a region (an administrator's or a regulator's scope) are summed from the
precomputed counts of registry.due_counts (kept by triggers, never stale); an owner's or a
laboratory's read the (owner, due_date) index, the certificates (issuer, calibration_date)
(docs/benchmarks/home.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Q

from jiliang.codes import CodeError, check_division_code
from jiliang.registry import due_counts, rules
from jiliang.registry.models import Certificate, Instrument
from jiliang.registry.querysets import region_prefix

MONTHS = 12


def month_starts(first: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of `count` months from `first`'s month: 2026-06-15 → 2026-06-01, …"""
    year, month = first.year, first.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _by_month(field_name: str, starts: list[dt.date]) -> dict[str, Any]:
    bounds = [*starts, month_starts(starts[-1], 2)[1]]
    return {
        f"m{i}": Count(
            "id", filter=Q(**{f"{field_name}__gte": bounds[i], f"{field_name}__lt": bounds[i + 1]})
        )
        for i in range(len(starts))
    }


def _in_service(user: Any, institution_id: int | None) -> Any:
    """In-service instruments the user sees; a laboratory's own: by owner alone (its own
    are always visible), so the (owner, due_date) index answers without the scope's OR."""
    if institution_id is not None and institution_id == getattr(user, "institution_id", None):
        qs = Instrument.objects.filter(owner_id=institution_id)
    else:
        qs = Instrument.objects.visible_to(user)
        if institution_id is not None:
            qs = qs.filter(owner_id=institution_id)
    return qs.filter(status=Instrument.Status.IN_SERVICE)


def due_by_month(user: Any, today: dt.date, *, institution_id: int | None = None) -> dict[str, Any]:
    """Overdue now, and due in each of the coming twelve months (the recall rule's grace).

    Overdue: due date + grace before today (as the due page counts it); a month's bar: the
    in-service instruments whose due date falls in that month and that are not overdue yet.
    One query: a conditional count per month over the range of due dates before the end.
    """
    grace = rules.rule("recall", today)["grace_days"]
    overdue_before = today - dt.timedelta(days=grace)
    starts = month_starts(today)
    end = month_starts(starts[-1], 2)[1]
    scope = due_counts.region_scope(user) if institution_id is None else None
    if scope is not None:  # a region: summed from the precomputed counts (due_counts)
        return _due_by_month_counted(scope, overdue_before, starts, end)
    months = _by_month("due_date", starts)
    months["m0"] = Count("id", filter=Q(due_date__gte=overdue_before, due_date__lt=starts[1]))
    counted = (
        _in_service(user, institution_id)
        .filter(due_date__lt=end)
        .aggregate(overdue=Count("id", filter=Q(due_date__lt=overdue_before)), **months)
    )
    return {
        "months": [m.strftime("%Y-%m") for m in starts],
        "due": [counted[f"m{i}"] or 0 for i in range(len(starts))],
        "overdue": counted["overdue"] or 0,
    }


def _due_by_month_counted(
    scope: str, overdue_before: dt.date, starts: list[dt.date], end: dt.date
) -> dict[str, Any]:
    """`due_by_month` of a region from the precomputed day counts: the same bars."""
    days = due_counts.by_day(scope, None, end)
    overdue = sum(n for day, n in days.items() if day < overdue_before)
    due = [0] * len(starts)
    for day, n in days.items():
        if day >= overdue_before:  # this month's bar also holds the grace days before it
            due[max(0, (day.year - starts[0].year) * 12 + day.month - starts[0].month)] += n
    return {"months": [m.strftime("%Y-%m") for m in starts], "due": due, "overdue": overdue}


def division_name(code: str) -> str:
    try:
        return check_division_code(code, allow_unlisted=True).name_zh
    except CodeError:
        return code


def overdue_by_region(user: Any, today: dt.date) -> dict[str, Any]:
    """A regulator's overdue instruments, by the next level of its region (province → city).

    Grouped by the six-digit division code in the database, summed by prefix here: the
    groups are at most a few thousand counties.
    """
    institution = getattr(user, "institution", None)
    own = region_prefix(institution.division_code) if institution is not None else ""
    width = {0: 2, 2: 4}.get(len(own), 6)
    grace = rules.rule("recall", today)["grace_days"]
    overdue_before = today - dt.timedelta(days=grace)
    scope = due_counts.region_scope(user)
    if scope is not None:  # a region: from the precomputed counts (due_counts)
        by_division = due_counts.overdue_by_division(scope, overdue_before)
    else:
        rows = (
            Instrument.objects.visible_to(user)
            .filter(status=Instrument.Status.IN_SERVICE)
            .filter(due_date__lt=overdue_before)
            .order_by()
            .values("division_code")
            .annotate(n=Count("id"))
        )
        by_division = {row["division_code"]: row["n"] for row in rows}
    totals: Counter[str] = Counter()
    for code, n in by_division.items():
        totals[code[:width]] += n
    codes = sorted(totals, key=lambda c: (-totals[c], c))
    full = [c.ljust(6, "0") for c in codes]
    return {
        "codes": full,
        "names": [division_name(c) for c in full],
        "overdue": [totals[c] for c in codes],
    }


def certificates_by_conclusion(user: Any, today: dt.date, issuer_id: int) -> dict[str, Any]:
    """A laboratory's issued certificates per month of the last year, by conclusion."""
    back = today.year * 12 + today.month - 1 - (MONTHS - 1)  # eleven months before this one
    starts = month_starts(dt.date(back // 12, back % 12 + 1, 1))
    end = month_starts(starts[-1], 2)[1]
    # A laboratory sees every certificate it issued: its own then need no scope's OR, and
    # the (issuer, calibration_date, conclusion) index answers alone. Grouped by day and
    # conclusion in the index's order (no sort, no per-row month test: 0.6 s -> 0.1 s for
    # 7.6x10^5 certificates on SQLite), summed by month here: at most ~366 x conclusions.
    own = issuer_id == getattr(user, "institution_id", None)
    certificates = Certificate.objects.all() if own else Certificate.objects.visible_to(user)
    rows = (
        certificates.filter(
            issuer_id=issuer_id, calibration_date__gte=starts[0], calibration_date__lt=end
        )
        .order_by()
        .values_list("calibration_date", "conclusion")
        .annotate(n=Count("*"))
    )
    counts: Counter[tuple[dt.date, str]] = Counter()
    for day, conclusion, n in rows:
        counts[dt.date(day.year, day.month, 1), conclusion] += n
    conclusions = sorted({c for _, c in counts})
    series = {c: [counts.get((m, c), 0) for m in starts] for c in conclusions}
    passed = [sum(counts.get((m, c), 0) for c in ("pass", "calibrated")) for m in starts]
    totals = [sum(counts.get((m, c), 0) for c in conclusions) for m in starts]
    return {
        "months": [m.strftime("%Y-%m") for m in starts],
        "series": series,
        "pass_rate": [
            round(100 * p / t, 1) if t else None for p, t in zip(passed, totals, strict=True)
        ],
    }


def jobs_by_status(lab_id: int) -> dict[str, Any]:
    """A laboratory's open and issued jobs by status (its own jobs only)."""
    from jiliang.calibration.models import Job

    rows = Job.objects.filter(lab_id=lab_id).order_by().values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    statuses = [s for s, _ in Job.Status.choices]
    return {
        "statuses": statuses,
        "labels": [str(label) for _, label in Job.Status.choices],
        "jobs": [counts.get(s, 0) for s in statuses],
    }
