# ruff: noqa: RUF012  (Django Meta lists, as in every models.py)
"""The record of an instrument's changes of state: retire, scrap, lost, transfer (issue 13 §1).

Why a table of its own: a change of state carries a reason and the day it happened, which
the instrument row does not hold (its change log shows status before/after, this row says
why and when). Append-only, like certificates: a wrong entry is corrected by a new change.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from jiliang.registry.models import Institution, Instrument
from jiliang.registry.querysets import RestrictedQuerySet


class StateChange(models.Model):
    """One change of an instrument's state, with its reason and date."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16)  # state_changes.STATES
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=200)
    on = models.DateField()
    from_owner = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_owner = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    time = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "instrument__owner"

    class Meta:
        ordering = ["-time", "-id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValidationError("a change of state is never edited; record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("a change of state is never deleted")

    def __str__(self) -> str:
        return f"{self.state} {self.on}"
