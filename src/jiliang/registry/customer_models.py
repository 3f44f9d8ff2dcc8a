# ruff: noqa: RUF012  (Django Meta lists, as in every models.py)
"""A laboratory's customers and the instruments it may see of them (issue 12 §1).

Why two tables: what a laboratory may see of an owner needs a relation the owner can see
and end (`LabCustomer`), and within it only the instruments the laboratory has worked on or
been given (`LabAccess`). One certificate is not a key to a company's whole register.
The services are in `registry.customers`; the rule itself in `querysets._lab_extra`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.registry.models import Institution, Instrument
from jiliang.registry.querysets import RestrictedQuerySet


class LabCustomer(models.Model):
    """A customer relation between a laboratory and an instrument owner.

    Created by a job receipt, by the owner sending an instrument, or requested by the
    laboratory and accepted by the owner; the owner ends it. One row per pair: a relation
    ended and taken up again is the same row, and the change log keeps its history.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待确认")
        ACCEPTED = "accepted", _("已接受")
        ENDED = "ended", _("已终止")

    class Origin(models.TextChoices):
        RECEIPT = "receipt", _("收样")
        REQUEST = "request", _("实验室申请")
        OWNER = "owner", _("用户授权")
        MIGRATED = "migrated", _("既有证书")

    lab = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    # indexed: the owner lists its laboratories
    owner = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.REQUEST)
    all_instruments = models.BooleanField(
        default=False, help_text="the owner gives the laboratory all its instruments"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "lab"
    also_scope = "owner"  # both parties see the relation

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "owner"], name="lab_customer_once")]

    def __str__(self) -> str:
        return f"{self.lab_id} → {self.owner_id} ({self.status})"


class LabAccess(models.Model):
    """One instrument a laboratory may see: it worked on it, or the owner gave it.

    Narrow on purpose: the laboratory's visible set is the index-only range
    `lab_access_once (lab, instrument)`, joined to the few accepted relations. Worked-on
    rows are derived (certificates issued or imported, job receipts) and written in bulk;
    grants are the owner's acts and go through the change log one by one.
    """

    class Reason(models.IntegerChoices):
        WORKED = 1, _("检定/校准/收样")
        GRANTED = 2, _("用户授权")

    lab = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+", db_index=False)
    # indexed: an instrument changing owner drops its rows, and a delete cascades here
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    reason = models.PositiveSmallIntegerField(choices=Reason.choices, default=Reason.WORKED)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "lab"
    also_scope = "instrument__owner"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lab", "instrument"], name="lab_access_once")
        ]

    def __str__(self) -> str:
        return f"{self.lab_id} → instrument {self.instrument_id}"
