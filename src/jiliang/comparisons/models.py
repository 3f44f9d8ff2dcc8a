"""Comparison campaigns 量值比对 and proficiency tests: sealed submissions, results as evidence.

Who may see what is decided in services.py (sealing depends on the deadline and on time);
the models only hold the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.registry.querysets import RestrictedQuerySet
from jiliang.stats import METHODS


class Campaign(models.Model):
    """One comparison or proficiency test, run by a pilot laboratory."""

    class Kind(models.TextChoices):
        COMPARISON = "comparison", pgettext_lazy("campaign kind", "量值比对")
        PROFICIENCY = "proficiency", _("能力验证")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMPARISON)
    pilot = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="piloted_campaigns"
    )
    quantity = models.ForeignKey(
        "registry.Quantity", null=True, blank=True, on_delete=models.PROTECT
    )
    measurand = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    method = models.CharField(max_length=20, choices=[(m, m) for m in METHODS])
    sigma_pt = models.FloatField(null=True, blank=True, help_text="for z and z' scores")
    deadline = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-deadline", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Participant(models.Model):
    """An invited institution with its place in the artefact's circulation."""

    class State(models.TextChoices):
        INVITED = "invited", _("已邀请")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已拒绝")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participants")
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="campaign_entries"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.INVITED)
    responded_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    ship_date = models.DateField(null=True, blank=True)
    receive_date = models.DateField(null=True, blank=True)
    measure_from = models.DateField(null=True, blank=True)
    measure_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "institution"], name="one_entry_per_institution"
            )
        ]

    @property
    def lab_label(self) -> str:
        """The name used for this lab in results, reports and plots."""
        return self.institution.name_en or self.institution.name_zh

    def __str__(self) -> str:
        return f"{self.campaign.code}: {self.institution}"


class Submission(models.Model):
    """A participant's sealed result. Never read directly by views: see services."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="submission"
    )
    value = models.FloatField()
    u = models.FloatField(help_text="standard uncertainty")
    dof = models.FloatField(null=True, blank=True)
    replicates = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The change log stores before/after values and admins can read it; logging a sealed
    # result would unseal it. Who submitted and when is on the row; the values become
    # public (and are kept in Campaign.result and the report) when the campaign closes.
    audit_exempt = True

    def __str__(self) -> str:
        return f"submission of {self.participant}"


class CapabilityEvidence(models.Model):
    """A participant's score in a closed campaign, kept on the institution."""

    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="capability_evidence"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="evidence")
    measurand = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    value = models.FloatField()
    u = models.FloatField()
    d = models.FloatField()
    U_d = models.FloatField()
    En = models.FloatField()
    zeta = models.FloatField()
    z = models.FloatField(null=True, blank=True)
    en_satisfactory = models.BooleanField()
    recorded_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    scope_field = "institution"

    class Meta:
        ordering = ["-recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "institution"], name="one_evidence_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.campaign.code}: En = {self.En:.2f}"


class ReportFile(models.Model):
    """The automatic report of a closed campaign, stored once (PDF, CSV, JSON, PNG)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=10)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    audit_exempt = True  # binary files; their SHA-256 is the record

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "format"], name="one_file_per_format")
        ]
