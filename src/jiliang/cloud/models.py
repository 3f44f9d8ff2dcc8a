"""Capabilities (CMCs) of institutions, measurement demands of enterprises, and answers.

A capability is a public register (like KCDB); a demand is seen by its owner and by the
laboratories that may answer it; an answer by the demand's owner and the answering provider.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiliang.registry.models import Institution, MeasurementStandard, Quantity


class Capability(models.Model):
    """One CMC: quantity, instrument, range, uncertainty statement (KCDB shape), method."""

    class Kind(models.TextChoices):
        VALUE = "value", _("单一值")
        RANGE = "range", _("数值范围")
        EQUATION = "equation", _("公式")
        TABLE = "table", _("表格")

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="capabilities"
    )
    code = models.CharField(max_length=40, unique=True)
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT, related_name="capabilities")
    instrument = models.CharField(max_length=160)
    range_min = models.FloatField()
    range_max = models.FloatField()
    unit = models.CharField(max_length=20)
    uncertainty_kind = models.CharField(max_length=10, choices=Kind.choices)
    uncertainty = models.JSONField(
        help_text="the statement in the catalogue format (docs/cloud.md)"
    )
    method = models.CharField(max_length=160, blank=True)
    turnaround_days = models.PositiveIntegerField(null=True, blank=True)
    standards = models.ManyToManyField(MeasurementStandard, blank=True, related_name="capabilities")
    created_at = models.DateTimeField(auto_now_add=True)

    public_register = True

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["quantity", "institution"], name="cloud_cap_quantity")]

    def __str__(self) -> str:
        return self.code


class DemandQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> DemandQuerySet:
        """The owner sees its demands; laboratories see open ones they may answer."""
        from jiliang.registry.querysets import is_admin

        if is_admin(user):
            return self
        if user is None or not user.is_authenticated or user.institution_id is None:
            return self.none()
        condition = Q(owner_id=user.institution_id)
        if user.institution.is_lab:
            condition |= Q(status__in=[Demand.Status.OPEN, Demand.Status.ANSWERED])
            condition |= Q(answers__provider_id=user.institution_id)
        return self.filter(condition).distinct()


class Demand(models.Model):
    """A measurement demand 计量需求: what to measure, how well, where, by when."""

    class Status(models.TextChoices):
        OPEN = "open", _("待响应")
        ANSWERED = "answered", _("已响应")
        PICKED = "picked", _("已选定")
        MET = "met", _("已满足")
        WITHDRAWN = "withdrawn", _("已撤回")

    owner = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="demands")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=160)
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT, related_name="demands")
    low = models.FloatField()
    high = models.FloatField()
    unit = models.CharField(max_length=20)
    required_u = models.FloatField()
    required_u_unit = models.CharField(max_length=20)
    required_k = models.FloatField(default=2.0)
    division_code = models.CharField(max_length=6)
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    met_on = models.DateField(null=True, blank=True)

    objects = DemandQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    """A provider's answer to a demand, naming the capability it would use."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="answers")
    provider = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="answers")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="answers")
    note = models.CharField(max_length=400, blank=True)
    turnaround_days = models.PositiveIntegerField(null=True, blank=True)
    picked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "capability"], name="cloud_answer_once")
        ]
