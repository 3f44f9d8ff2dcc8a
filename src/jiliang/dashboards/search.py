"""Global search: instruments by serial number, certificates by number, institutions by name
or unified social credit code, standards by code — each scoped by `visible_to(user)`.

Every lookup is a prefix of an indexed column, read as a range [q, q⁺) where q⁺ is q with
its last character incremented (the rows that start with q under binary order, SQLite's
and PostgreSQL's "C"), plus the `startswith` itself, so a non-C collation cannot add
rows; and at most LIMIT rows of each kind are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from jiliang.registry.models import Certificate, Institution, Instrument, MeasurementStandard

LIMIT = 10
MAX_QUERY = 60  # longer than any serial, number, code or name we search


@dataclass
class Results:
    query: str
    instruments: list[Any] = field(default_factory=list)
    certificates: list[Any] = field(default_factory=list)
    institutions: list[Any] = field(default_factory=list)
    standards: list[Any] = field(default_factory=list)
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not (self.instruments or self.certificates or self.institutions or self.standards)


def prefix(field_name: str, q: str) -> Q:
    """Rows whose `field_name` starts with `q`, as an index range plus the exact test."""
    upper = q[:-1] + chr(ord(q[-1]) + 1)
    return Q(**{f"{field_name}__gte": q, f"{field_name}__lt": upper}) & Q(
        **{f"{field_name}__startswith": q}
    )


def clean_query(raw: str) -> tuple[str, str]:
    """(query, problem): trimmed, bounded, no control characters."""
    q = " ".join(raw.split())
    if len(q) > MAX_QUERY:
        return "", f"at most {MAX_QUERY} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in q):
        return "", "control characters are not allowed"
    return q, ""


def search(user: Any, raw: str) -> Results:
    q, problem = clean_query(raw)
    results = Results(q, problem=problem)
    if not q:
        return results
    results.certificates = list(
        Certificate.objects.visible_to(user)
        .filter(prefix("number", q))
        .select_related("issuer", "instrument")
        .order_by("number")[:LIMIT]
    )
    results.instruments = list(
        Instrument.objects.visible_to(user)
        .filter(prefix("serial_number", q))
        .select_related("owner")
        .order_by("serial_number", "id")[:LIMIT]
    )
    institutions = Institution.objects.visible_to(user)
    by_uscc = list(institutions.filter(prefix("uscc", q.upper())).order_by("uscc")[:LIMIT])
    by_name = list(institutions.filter(prefix("name_zh", q)).order_by("name_zh")[:LIMIT])
    seen: set[int] = set()
    results.institutions = [i for i in by_uscc + by_name if not (i.pk in seen or seen.add(i.pk))]
    results.institutions = results.institutions[:LIMIT]
    results.standards = list(
        MeasurementStandard.objects.visible_to(user)
        .filter(prefix("code", q))
        .select_related("institution")
        .order_by("code")[:LIMIT]
    )
    return results
