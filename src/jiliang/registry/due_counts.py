"""Due-date counts of a region's in-service instruments, read from the precomputed table
(`DueDayCount`, kept by triggers on the instrument table: migration 0013_due_counts).

Why: the due page's state counts and the home page's charts of a national or provincial
scope counted ~10^6 instrument rows per view (1-2 s on SQLite at 10^6). The table holds one
row per division, status and due day, so the same numbers are a sum over a few thousand
rows; it moves in the same transaction as every write to the instruments, so it is never
stale, and `rebuild()` recomputes it from the instruments as a repair.

It answers only scopes that are regions (an administrator: the whole country; a regulator:
its region; either narrowed to a region): an owner's or a laboratory's scope is a set of
instruments, counted live from the (owner, due_date) index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum

from jiliang.registry.due_count_models import DueDayCount
from jiliang.registry.querysets import is_admin, region_prefix

NOTHING = "-"  # a prefix no division code has: two regions that do not overlap
IN_SERVICE = "in_service"

_DAY = {
    "sqlite": "COALESCE(due_date, '')",
    "postgresql": "COALESCE(to_char(due_date, 'YYYY-MM-DD'), '')",
}


def rebuild() -> int:
    """Recompute the whole table from the instruments (a repair: the triggers keep it).
    Returns the rows written."""
    day = _DAY[connection.vendor]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_duedaycount")
        cursor.execute(
            "INSERT INTO registry_duedaycount (division_code, status, due, n)"  # noqa: S608
            f" SELECT division_code, status, {day}, COUNT(*) FROM registry_instrument"
            f" GROUP BY division_code, status, {day}"
        )
        return max(cursor.rowcount, 0)


def mismatches() -> dict[tuple[str, str, str], tuple[int, int]]:
    """(division, status, day) → (stored, live) wherever the table and the instruments
    disagree; empty when the counts are right. Reads every instrument: a check, not a view."""
    day = _DAY[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT division_code, status, {day}, COUNT(*) FROM registry_instrument"  # noqa: S608
            f" GROUP BY division_code, status, {day}"
        )
        live = {(d, s, due): n for d, s, due, n in cursor.fetchall()}
    stored: Counter[tuple[str, str, str]] = Counter()
    for d, s, due, n in DueDayCount.objects.values_list("division_code", "status", "due", "n"):
        stored[d, s, due] += n
    keys = set(live) | {k for k, n in stored.items() if n}
    return {
        k: (stored.get(k, 0), live.get(k, 0))
        for k in sorted(keys)
        if stored.get(k, 0) != live.get(k, 0)
    }


def region_scope(user: Any, owner_id: int | None = None, region: str | None = None) -> str | None:
    """The division prefix whose counts are exactly what this user sees of the due list
    (narrowed to `region`, a GB/T 2260 code), or None when the table cannot answer: an
    owner filter, or a scope that is not a region (owners, laboratories, anonymous).

    Mirrors `RestrictedQuerySet.visible_to`: an administrator sees all, a regulator its
    region's instruments by their division code."""
    if owner_id is not None or user is None or not user.is_authenticated:
        return None
    if is_admin(user):
        scope = ""
    else:
        institution = getattr(user, "institution", None)
        if institution is None:
            return None
        if not (user.role == "regulator" or institution.kind == "regulator"):
            return None
        scope = region_prefix(institution.division_code)
    if not region:
        return scope
    narrow = region_prefix(region)
    if narrow.startswith(scope):
        return narrow
    return scope if scope.startswith(narrow) else NOTHING


def instruments_in(prefix: str) -> int:
    """All instruments of a region, whatever their status (what `visible_to` shows)."""
    if prefix == NOTHING:
        return 0
    rows = DueDayCount.objects.all()
    if prefix:
        rows = rows.filter(division_code__startswith=prefix)
    return int(rows.aggregate(total=Sum("n"))["total"] or 0)


def _rows(prefix: str) -> QuerySet[DueDayCount]:
    rows = DueDayCount.objects.filter(status=IN_SERVICE)
    return rows.filter(division_code__startswith=prefix) if prefix else rows


def _iso(day: dt.date) -> str:
    return day.isoformat()


def state_counts(prefix: str, overdue_before: dt.date, horizon: dt.date) -> dict[str, int]:
    """The due page's states: overdue (due before `overdue_before`), due (from then to the
    `horizon`, inclusive) and never verified, of a region's in-service instruments."""
    if prefix == NOTHING:
        return {"overdue": 0, "due": 0, "never": 0}
    dated = Q(due__gt="")  # '' (never) sorts before every date
    counted = _rows(prefix).aggregate(  # aliases unlike the field names: `due` is one
        n_overdue=Sum("n", filter=dated & Q(due__lt=_iso(overdue_before))),
        n_due=Sum("n", filter=Q(due__gte=_iso(overdue_before), due__lte=_iso(horizon))),
        n_never=Sum("n", filter=Q(due="")),
    )
    return {state: counted[f"n_{state}"] or 0 for state in ("overdue", "due", "never")}


def by_day(prefix: str, start: dt.date | None, end: dt.date) -> dict[dt.date, int]:
    """In-service instruments due on each day in [start, end) (start None: from the first)."""
    if prefix == NOTHING:
        return {}
    rows = _rows(prefix).filter(due__gt="", due__lt=_iso(end))
    if start is not None:
        rows = rows.filter(due__gte=_iso(start))
    summed = rows.order_by().values("due").annotate(total=Sum("n"))
    return {dt.date.fromisoformat(r["due"]): r["total"] for r in summed if r["total"]}


def overdue_by_division(prefix: str, overdue_before: dt.date) -> dict[str, int]:
    """In-service instruments due before `overdue_before`, per six-digit division code."""
    if prefix == NOTHING:
        return {}
    rows = (
        _rows(prefix)
        .filter(due__gt="", due__lt=_iso(overdue_before))
        .order_by()
        .values("division_code")
        .annotate(total=Sum("n"))
    )
    return {r["division_code"]: r["total"] for r in rows if r["total"]}


def day_span(
    prefix: str, start: dt.date | None, end: dt.date, low: int, high: int
) -> tuple[dt.date, dt.date, int] | None:
    """The due days that hold rows [low, high) of a region's in-service instruments due in
    [start, end), ordered by due date: (first day, last day, rows due before the first day),
    or None when there are no such rows. Why: a page of the due list is then read from a
    few days' rows instead of sorting the scope's 10^5-10^6 (0.2-2 s at 10^6)."""
    days = sorted(by_day(prefix, start, end).items())
    before, skipped, first = 0, 0, None
    for day, n in days:
        if first is None and before + n > low:
            first, skipped = day, before
        if before + n >= high and first is not None:
            return first, day, skipped
        before += n
    return None if first is None else (first, days[-1][0], skipped)


WALK_FROM = 2000  # a state's segment smaller than this is sorted whole (a few ms)
FIRST_PIECE = 1000  # the country's instruments in the first piece of days (then doubled)


def cut_days(start: dt.date | None, end: dt.date, first: int) -> list[dt.date]:
    """Days that cut the country's in-service instruments due in [start, end) into pieces
    of about `first`, 2 x `first`, 4 x `first`, ... instruments (from the counts)."""
    cuts: list[dt.date] = []
    size, held = first, 0
    for day, n in sorted(by_day("", start, end).items()):
        if held >= size:
            cuts.append(day)
            size, held = size * 2, 0
        held += n
    return cuts


def scope_span(
    rows: QuerySet[Any], start: dt.date | None, end: dt.date, low: int, high: int
) -> tuple[dt.date | None, dt.date | None, int] | None:
    """The due days [first, stop) that hold rows [low, high) of `rows` (a state's segment
    of a scope that is no region, due in [start, end), ordered by due date), and the rows
    due before `first`; None bounds: open; None: no such rows.

    Why: a city laboratory sees its own and its customers' instruments (2,000 owners, an
    access probe per row); a page of its due list sorted the whole state (6.5x10^4 rows,
    0.7-2 s at 10^6). Its rows are counted in pieces of the country's due days of growing
    size (every scope is within the country's in-service instruments), from the first
    day, until the page is reached; the page is then read from those pieces alone. The
    pieces cover [start, end) whatever the counts hold: they only size the pieces."""
    cuts = cut_days(start, end, max(FIRST_PIECE, 4 * high))
    bounds: list[dt.date | None] = [None, *cuts, None]
    before, skipped, first, found = 0, 0, None, False
    for lo, hi in pairwise(bounds):
        piece = rows if lo is None else rows.filter(due_date__gte=lo)
        n = (piece if hi is None else piece.filter(due_date__lt=hi)).count()
        if not found and before + n > low:
            first, skipped, found = lo, before, True
        before += n
        if found and before >= high:
            return first, hi, skipped
    return (first, None, skipped) if found else None
