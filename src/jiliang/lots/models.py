"""Lots of homogeneous meters in service (电能表状态评价) and their sampling inspection."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.registry.querysets import RestrictedQuerySet


class MeterRecord(models.Model):
    """What the registry does not hold about a meter in service: batch and installation."""

    instrument = models.OneToOneField(
        "registry.Instrument", on_delete=models.CASCADE, related_name="meter_record"
    )
    production_batch = models.CharField(max_length=60)
    installed_on = models.DateField()

    objects = RestrictedQuerySet.as_manager()
    scope_field = "instrument__owner"

    def __str__(self) -> str:
        return f"{self.instrument.serial_number} batch {self.production_batch}"


class Lot(models.Model):
    """A homogeneous lot, its sampling plan, the auditable draw, the decision and approval."""

    class State(models.TextChoices):
        FORMED = "formed", _("已组批")
        SAMPLED = "sampled", _("已抽样")
        DECIDED = "decided", _("已判定")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    class Decision(models.TextChoices):
        NONE = "", "—"
        EXTEND = "extend", _("延长使用")
        REPLACE = "replace", _("整批轮换")

    code = models.CharField(max_length=60, unique=True)
    owner = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="meter_lots"
    )
    division_code = models.CharField(max_length=6, db_index=True)
    category = models.ForeignKey("registry.CatalogueItem", on_delete=models.PROTECT)
    maker = models.CharField(max_length=120)
    model = models.CharField(max_length=80)
    production_batch = models.CharField(max_length=60)
    installation_year = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    service_until = models.DateField(help_text="end of the regular in-service period")
    state = models.CharField(max_length=10, choices=State.choices, default=State.FORMED)
    rules_version = models.CharField(max_length=20)
    plan = models.JSONField(null=True, blank=True)
    seed = models.CharField(max_length=80, blank=True)
    algorithm = models.CharField(max_length=40, blank=True)
    nonconforming = models.PositiveIntegerField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True, default="")
    extended_until = models.DateField(null=True, blank=True)
    replace_by = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code


class LotMember(models.Model):
    """A meter in a lot; a meter belongs to at most one lot."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="members")
    instrument = models.OneToOneField(
        "registry.Instrument", on_delete=models.PROTECT, related_name="lot_membership"
    )

    audit_exempt = True  # thousands per lot; the lot's own record says who formed it


class SampleItem(models.Model):
    """A sampled meter in draw order, with its test result once recorded."""

    class Result(models.TextChoices):
        PENDING = "", _("待检")
        PASS = "pass", pgettext_lazy("meter result", "合格")
        FAIL = "fail", pgettext_lazy("meter result", "不合格")

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="sample")
    instrument = models.ForeignKey("registry.Instrument", on_delete=models.PROTECT)
    position = models.PositiveIntegerField()
    result = models.CharField(max_length=4, choices=Result.choices, blank=True, default="")
    note = models.CharField(max_length=200, blank=True)
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "instrument"], name="sampled_once_per_lot"),
            models.UniqueConstraint(fields=["lot", "position"], name="one_item_per_position"),
        ]
