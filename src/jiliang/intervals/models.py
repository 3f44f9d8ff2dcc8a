"""Calibration-interval reviews: a recommendation from certificate history and its acceptance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.registry.querysets import RestrictedQuerySet


class IntervalReview(models.Model):
    """One review of a group of instruments (same maker, model and regulation).

    The evidence (observations, A3 and S2 results) is frozen at creation so that what the
    responsible person accepted can be shown later exactly as it was.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("review state", "建议")
        ACCEPTED = "accepted", _("已采纳")

    owner = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="interval_reviews"
    )
    maker = models.CharField(max_length=120, blank=True)
    model = models.CharField(max_length=80)
    regulation = models.CharField(max_length=40)
    current_interval_days = models.PositiveIntegerField()
    target = models.FloatField(help_text="end-of-period reliability target")
    instrument_ids = models.JSONField(default=list)
    observations = models.JSONField(default=list, help_text="[[days, in_tolerance], …]")
    bins = models.JSONField(null=True, blank=True)
    a3 = models.JSONField(null=True, blank=True)
    s2 = models.JSONField(null=True, blank=True)
    s2_error = models.CharField(max_length=300, blank=True)
    recommended_days = models.PositiveIntegerField()
    plot_png = models.BinaryField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_days = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.maker} {self.model} / {self.regulation}"
