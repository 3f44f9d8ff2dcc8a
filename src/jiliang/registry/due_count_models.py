"""Precomputed due-date counts: how many instruments of each division and status fall due on
each day, kept by database triggers on the instrument table (migration 0013_due_counts).

Why: counting a national or provincial scope's due dates reads ~10^6 instrument rows (1-2 s
on SQLite); the same counts summed from this table read a few thousand rows. Why triggers,
not the services: every write path (forms, imports, `refresh_due_dates`, state changes,
bulk SQL, deletions) moves the counts in the same transaction, so the table can never be
stale; `due_counts.rebuild()` recomputes it from the instruments (`jiliang refresh-due`).
"""

from __future__ import annotations

from django.db import models


class DueDayCount(models.Model):
    """`n` instruments in `division_code` with `status` are due on `due` (ISO date text,
    '' for never verified: a real value, so that the unique key holds for it too)."""

    division_code = models.CharField(max_length=6)
    status = models.CharField(max_length=16)
    due = models.CharField(max_length=10)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [  # noqa: RUF012 (a model Meta, as in models.py)
            models.UniqueConstraint(
                fields=["status", "due", "division_code"], name="due_day_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.division_code} {self.status} {self.due or 'never'}: {self.n}"
