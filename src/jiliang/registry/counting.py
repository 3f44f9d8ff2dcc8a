"""Counts that may stop early, for what restricted users see at national scale.

Why: an exact count of the ~10^6 rows a province's regulator or a city laboratory may see
takes seconds; a page needs to know only whether there are more than it can show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000  # restricted counts stop here ("10,000+")
LARGE_SCOPE = 20_000  # visible rows from which a scope is read row by row, not built whole


@dataclass(frozen=True)
class Tally:
    """A count that may have stopped early: `more` means there are more than `value`."""

    value: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.more else str(self.value)


def count_up_to(queryset: QuerySet[Any], cap: int | None) -> Tally:
    """The queryset's size, reading at most cap + 1 rows (None: exact)."""
    if cap is None:
        return Tally(queryset.order_by().count())
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return Tally(cap, True) if found > cap else Tally(found)


def has_at_least(queryset: QuerySet[Any], rows: int) -> bool:
    """Whether the queryset holds `rows` rows or more, reading at most that many."""
    return bool(queryset.order_by().values("pk")[:rows].count() >= rows)
