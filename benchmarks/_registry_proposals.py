"""Query shapes proposed for traceability.trace_down and services.due_list, measured beside
the shipped ones by `benchmarks/registry_scale.py --proposals`. The benchmark checks that they
give the same answers before it prints a time.

Why: at 2×10⁶ certificates the shipped trace down joins every certificate of the frontier
through to instruments at each level, and its result querysets use JOIN + DISTINCT over whole
rows (with the model's default ordering), which makes the database sort ~10⁶ wide rows to
count them. The due list evaluates its correlated subquery again in the WHERE clause. These
versions walk the graph from the few instruments that are standard equipment (EXISTS), use
semi-joins (id IN subquery, no DISTINCT, no ordering), and decide the due state in Python
from one pass over (id, last_valid_until, last_calibrated, interval_days).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery

# Proposed indexes (Django: Meta.indexes on Certificate and on the through table).
INDEXES = {
    # The last passing certificate of an instrument from one index probe; partial indexes
    # work on SQLite and PostgreSQL (models.Index(..., condition=Q(conclusion__in=[...]))).
    "cert_last_passing": (
        "CREATE INDEX IF NOT EXISTS cert_last_passing ON registry_certificate "
        "(instrument_id, calibration_date DESC, id DESC) "
        "WHERE conclusion IN ('pass', 'calibrated')"
    ),
    # Certificates made with a standard, read from the index alone (index-only scan).
    "cert_standard_cert": (
        "CREATE INDEX IF NOT EXISTS cert_standard_cert ON registry_certificate_standards_used "
        "(measurementstandard_id, certificate_id)"
    ),
}


def create_indexes() -> None:
    with connection.cursor() as cursor:
        for sql in INDEXES.values():
            cursor.execute(sql)
        cursor.execute("ANALYZE")


def trace_down(standard: Any) -> tuple[list[int], QuerySet[Any], QuerySet[Any]]:
    """(dependent standard ids, certificates, instruments) — the same sets as the shipped one."""
    from jiliang.registry.models import Certificate, Instrument

    through = Certificate.standards_used.through
    seen = {standard.pk}
    frontier = [standard.pk]
    while frontier:
        used = through.objects.filter(
            measurementstandard_id__in=frontier, certificate__instrument_id=OuterRef("pk")
        )
        found = set(
            Instrument.objects.filter(part_of_standard__isnull=False)
            .filter(Exists(used))
            .order_by()
            .values_list("part_of_standard_id", flat=True)
            .distinct()
        )
        frontier = sorted(found - seen)
        seen |= found
    link_ids = through.objects.filter(measurementstandard_id__in=seen).values("certificate_id")
    certificates = Certificate.objects.filter(pk__in=link_ids)
    instruments = Instrument.objects.filter(
        pk__in=Certificate.objects.filter(pk__in=link_ids).order_by().values("instrument_id")
    )
    return sorted(seen), certificates, instruments


def trace_down_counts(standard: Any) -> tuple[int, int, int]:
    standards, certificates, instruments = trace_down(standard)
    return len(standards), certificates.order_by().count(), instruments.order_by().count()


def due_list(
    queryset: QuerySet[Any], *, today: dt.date, owner_id: int, advance_days: int = 30
) -> list[tuple[int, dt.date | None, str]]:
    """(instrument id, due, state) for the owner's instruments that are due, overdue or never
    verified — the rule of services.due_list (grace 0), one subquery pass, no WHERE subquery."""
    from jiliang.registry.models import Certificate

    latest = Certificate.objects.filter(
        instrument=OuterRef("pk"), conclusion__in=["pass", "calibrated"]
    ).order_by("-calibration_date", "-id")
    rows = (
        queryset.filter(owner_id=owner_id, status="in_service")
        .annotate(
            last_valid_until=Subquery(latest.values("valid_until")[:1]),
            last_calibrated=Subquery(latest.values("calibration_date")[:1]),
        )
        .order_by()
        .values_list("id", "last_valid_until", "last_calibrated", "interval_days")
    )
    horizon = today + dt.timedelta(days=advance_days)
    entries = []
    for pk, valid_until, calibrated, interval in rows:
        due = valid_until
        if interval and calibrated:
            due = calibrated + dt.timedelta(days=interval)
        if due is None:
            entries.append((pk, due, "never"))
        elif due < today:
            entries.append((pk, due, "overdue"))
        elif due <= horizon:
            entries.append((pk, due, "due"))
    entries.sort(key=lambda e: (e[1] or dt.date.min, e[0]))
    # The page needs names too: one more query for the due ones only.
    details = {
        row[0]: row
        for row in queryset.model.objects.filter(pk__in=[e[0] for e in entries])
        .order_by()
        .values_list("id", "name", "serial_number", "owner__name_zh", "division_code")
    }
    return [(pk, due, state) for pk, due, state in entries if pk in details]


def materialise_due() -> None:
    """The bigger fix for large owners: keep the derived due date on the instrument row
    (computed from the last passing certificate whenever one is issued, never typed) with an
    index (owner_id, due). Simulated here with a raw column."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registry_instrument ADD COLUMN bench_due date NULL")
        cursor.execute(
            "UPDATE registry_instrument SET bench_due = (SELECT c.valid_until FROM "
            "registry_certificate c WHERE c.instrument_id = registry_instrument.id AND "
            "c.conclusion IN ('pass', 'calibrated') "
            "ORDER BY c.calibration_date DESC, c.id DESC LIMIT 1)"
        )
        cursor.execute(
            "CREATE INDEX bench_instrument_owner_due ON registry_instrument (owner_id, bench_due)"
        )
        cursor.execute("ANALYZE")


def due_list_materialised(
    queryset: QuerySet[Any], *, today: dt.date, owner_id: int, advance_days: int = 30
) -> list[tuple[int, dt.date | None, str]]:
    horizon = today + dt.timedelta(days=advance_days)
    rows = (
        queryset.filter(owner_id=owner_id, status="in_service")
        .extra(
            select={"due": "bench_due"},
            where=["(bench_due <= %s OR bench_due IS NULL)"],
            params=[horizon],
        )
        .order_by()
        .values_list("id", "due", "name", "serial_number", "owner__name_zh", "division_code")
    )
    entries = []
    for pk, due, *_ in rows:
        if isinstance(due, str):  # SQLite returns the raw column as text
            due = dt.date.fromisoformat(due)
        state = "never" if due is None else "overdue" if due < today else "due"
        entries.append((pk, due, state))
    entries.sort(key=lambda e: (e[1] or dt.date.min, e[0]))
    return entries
