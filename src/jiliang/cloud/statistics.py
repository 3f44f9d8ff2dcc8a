"""Statistics computed from the records, never typed (issue 16 §3).

Everything is an aggregate query; instrument counts group 10⁶ rows once by (category, use
area, province, due state) and decide "under mandatory verification" in Python against the
small catalogue. Results are cached for ten minutes per day and are the same numbers the API
and the charts show.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import ExtractYear, Substr, TruncMonth

from jiliang.cloud.models import Demand
from jiliang.registry.models import (
    CatalogueItem,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
)

CACHE_SECONDS = 600


def _labelled(rows: Any, key: str, labels: dict[Any, Any]) -> list[dict[str, Any]]:
    return [
        {"value": r[key], "label": str(labels.get(r[key], r[key])), "count": r["n"]} for r in rows
    ]


def _province_label(code2: str) -> str:
    from jiliang.cloud.services import province_name

    return province_name(code2 + "0000")


def mandatory_instruments(today: dt.date) -> dict[str, Any]:
    """Instruments under mandatory verification and how many are verified on time, by province."""
    items = {  # pattern approval only (P) is never under mandatory verification
        pk: set(areas or [])
        for pk, areas in CatalogueItem.objects.exclude(
            supervision=CatalogueItem.Supervision.P
        ).values_list("pk", "mandatory_use_areas")
    }
    state = Case(
        When(due_date__isnull=True, then=Value("never")),
        When(due_date__lt=today, then=Value("overdue")),
        default=Value("on_time"),
        output_field=CharField(),
    )
    rows = (
        Instrument.objects.filter(category__isnull=False, status=Instrument.Status.IN_SERVICE)
        .annotate(province=Substr("division_code", 1, 2), state=state)
        .values("category_id", "use_area", "province", "state")
        .annotate(n=Count("id"))
    )
    totals: Counter[str] = Counter()
    by_province: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r["use_area"] not in items.get(r["category_id"], set()):
            continue
        totals[r["state"]] += r["n"]
        by_province[r["province"]][r["state"]] += r["n"]

    def summary(c: Counter[str]) -> dict[str, Any]:
        total = sum(c.values())
        return {
            "total": total,
            "on_time": c["on_time"],
            "overdue": c["overdue"],
            "never_verified": c["never"],
            "share_on_time": round(c["on_time"] / total, 4) if total else None,
        }

    return {
        **summary(totals),
        "by_province": [
            {"province": code, "name": _province_label(code), **summary(c)}
            for code, c in sorted(by_province.items())
        ],
    }


def demands(today: dt.date) -> dict[str, Any]:
    counts = Demand.objects.aggregate(
        total=Count("id"), met=Count("id", filter=Q(status=Demand.Status.MET))
    )
    by_month = (
        Demand.objects.filter(status=Demand.Status.MET, met_on__isnull=False)
        .annotate(month=TruncMonth("met_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return {
        "total": counts["total"],
        "met": counts["met"],
        "share_met": round(counts["met"] / counts["total"], 4) if counts["total"] else None,
        "met_by_month": [
            {"month": r["month"].strftime("%Y-%m"), "count": r["n"]} for r in by_month
        ],
    }


def compute(today: dt.date) -> dict[str, Any]:
    kinds = dict(MeasurementStandard.Kind.choices)
    institution_kinds = dict(Institution.Kind.choices)
    standards = MeasurementStandard.objects.exclude(status=MeasurementStandard.Status.RETIRED)
    by_province = (
        standards.annotate(province=Substr("institution__division_code", 1, 2))
        .values("province")
        .annotate(n=Count("id"))
        .order_by("province")
    )
    return {
        "date": today.isoformat(),
        "standards": {
            "total": standards.count(),
            "by_level": _labelled(
                standards.values("kind").annotate(n=Count("id")).order_by("kind"), "kind", kinds
            ),
            "by_province": [
                {"province": r["province"], "name": _province_label(r["province"]), "count": r["n"]}
                for r in by_province
            ],
        },
        "examinations_by_year": [
            {"year": r["year"], "count": r["n"]}
            for r in ExaminationCertificate.objects.annotate(year=ExtractYear("issued_on"))
            .values("year")
            .annotate(n=Count("id"))
            .order_by("year")
        ],
        "materials": {
            "total": ReferenceMaterial.objects.count(),
            "in_date": ReferenceMaterial.objects.filter(expiry__gte=today).count(),
            "by_grade": [
                {"grade": r["grade"], "count": r["n"]}
                for r in ReferenceMaterial.objects.values("grade")
                .annotate(n=Count("id"))
                .order_by("grade")
            ],
        },
        "metrologists": {
            "registered": Person.objects.filter(
                valid_from__lte=today, valid_until__gte=today
            ).count(),
            "by_level": [
                {"level": r["level"], "count": r["n"]}
                for r in Person.objects.filter(valid_from__lte=today, valid_until__gte=today)
                .values("level")
                .annotate(n=Count("id"))
                .order_by("level")
            ],
        },
        "institutions": _labelled(
            Institution.objects.values("kind").annotate(n=Count("id")).order_by("kind"),
            "kind",
            institution_kinds,
        ),
        "mandatory_instruments": mandatory_instruments(today),
        "demands": demands(today),
    }


def statistics(today: dt.date) -> dict[str, Any]:
    """The figures of the day, cached (they change slowly and count large tables)."""
    key = f"cloud:statistics:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute(today)
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]
