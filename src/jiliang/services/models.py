"""Applications, their events and materials; pattern approvals; the mandatory-verification
filing (强检备案) and its bookings.

An application's state and clock are derived from its events (workflow.py); the state
column is a cache the engine keeps, for the queues' indexes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.registry.querysets import RestrictedQuerySet


class Application(models.Model):
    """One case of the public service platform (一网通办), of a kind of kinds.yaml."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        CORRECTION = "correction", _("待补正")
        ACCEPTED = "accepted", _("已受理")
        EVALUATION = "evaluation", _("技术评审中")
        REVIEW = "review", _("待决定")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")
        REFUSED = "refused", _("不予受理")

    number = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=40)
    applicant = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="service_applications"
    )
    authority = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="service_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=160)
    subject = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTED)
    submitted_on = models.DateField()
    accepted_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    examiners = models.JSONField(default=list, blank=True)
    granted = models.CharField(max_length=80, blank=True, help_text="the registry record made")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "applicant"
    also_scope = "authority"

    class Meta:
        ordering = ["-submitted_on", "-id"]
        indexes = [models.Index(fields=["authority", "state"], name="service_queue")]

    def __str__(self) -> str:
        return self.number


class Event(models.Model):
    """A step taken on an application (append-only). Decisions carry their signed note and
    the transparency-log index."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    items = models.JSONField(default=list, blank=True)
    signed_note = models.TextField(blank=True)
    log_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["on", "id"]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)


class Material(models.Model):
    """An uploaded document, kept in the database (never served from a public path)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    key = models.CharField(max_length=40)
    filename = models.CharField(max_length=160)
    content_type = models.CharField(max_length=80)
    size = models.IntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_on = models.DateField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key", "id"]


class PatternApproval(models.Model):
    """A pattern approval 型式批准 with its CPA number (the registry has no model for it)."""

    cpa_number = models.CharField(max_length=40, unique=True)
    maker = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="pattern_approvals"
    )
    authority = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="+"
    )
    instrument_name = models.CharField(max_length=120)
    model = models.CharField(max_length=80)
    category = models.ForeignKey(
        "registry.CatalogueItem", null=True, blank=True, on_delete=models.PROTECT
    )
    approved_on = models.DateField()
    application = models.OneToOneField(
        Application, null=True, on_delete=models.PROTECT, related_name="pattern_approval"
    )

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = "maker"

    class Meta:
        ordering = ["-approved_on", "-id"]

    def __str__(self) -> str:
        return self.cpa_number


class FilingEntry(models.Model):
    """One instrument filed under mandatory verification (强检备案) and its booking."""

    instrument = models.OneToOneField(
        "registry.Instrument", on_delete=models.PROTECT, related_name="filing"
    )
    owner = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="filings"
    )
    filed_on = models.DateField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_lab = models.ForeignKey(
        "registry.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    booked_for = models.DateField(null=True, blank=True)
    booked_on = models.DateField(null=True, blank=True)
    refiled_on = models.DateField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"
    also_scope = "booked_lab"

    class Meta:
        ordering = ["id"]
