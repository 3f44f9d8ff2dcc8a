"""Models of the taximeters app: networked taxi meters, regulator keys, signed tariff packages,
fleet campaigns and broken-seal alerts. Rules live in services.py; the meter-side logic is the
pure core jiliang.taximeter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.registry.querysets import RestrictedQuerySet


class RegulatorKey(models.Model):
    """A regulator's public Ed25519 key (the private key lives outside the repo and the DB)."""

    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="tariff_keys"
    )
    vkey = models.CharField(max_length=300, unique=True)
    status = models.CharField(max_length=10, default="active")
    created = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    def __str__(self) -> str:
        return self.vkey


class TaxiMeter(models.Model):
    """A networked taximeter: a registry Instrument of catalogue item C06 in a taxi."""

    instrument = models.OneToOneField(
        "registry.Instrument", on_delete=models.PROTECT, related_name="taximeter"
    )
    vehicle_plate = models.CharField(max_length=16, unique=True)
    meter_serial = models.CharField(max_length=64, unique=True)
    fleet = models.CharField(max_length=64, db_index=True, help_text="fleet id (scope of packages)")
    pattern_approval = models.CharField(max_length=40, blank=True)
    verification_certificate = models.ForeignKey(
        "registry.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parameters = models.JSONField(help_text="authorised legally relevant parameters")
    parameter_hash = models.CharField(max_length=64)
    authorised_version = models.IntegerField(default=0)
    authorised_changes = models.IntegerField(default=0, help_text="change sessions authorised")
    reported_version = models.IntegerField(null=True, blank=True)
    reported_hash = models.CharField(max_length=64, blank=True)
    reported_counter = models.IntegerField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    seal_intact = models.BooleanField(default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "instrument__owner"

    class Meta:
        ordering = ["meter_serial"]

    def __str__(self) -> str:
        return f"{self.vehicle_plate} {self.meter_serial}"


class TariffPackage(models.Model):
    """A tariff package signed by a regulator; versions strictly increase per regulator."""

    regulator = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="tariff_packages"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    scope_kind = models.CharField(max_length=8)
    scope_id = models.CharField(max_length=64)
    version = models.BigIntegerField()
    effective_at = models.DateTimeField()
    parameters = models.JSONField()
    parameter_hash = models.CharField(max_length=64)
    signed_note = models.TextField()
    signer_vkey = models.CharField(max_length=300)
    log_index = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["regulator", "version"], name="unique_tariff_version")
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.scope_kind}:{self.scope_id}"


class Campaign(models.Model):
    """Pushing one package to every meter it addresses."""

    package = models.ForeignKey(TariffPackage, on_delete=models.PROTECT, related_name="campaigns")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "package__regulator"

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"campaign {self.pk} ({self.package})"


class CampaignTarget(models.Model):
    """One meter's state in a campaign (written in bulk, so not in the change log: the
    outcomes are seal events in the transparency log instead)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待生效")
        APPLIED = "applied", _("已生效")
        REJECTED = "rejected", pgettext_lazy("tariff campaign", "已拒绝")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    meter = models.ForeignKey(TaxiMeter, on_delete=models.PROTECT, related_name="campaign_targets")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reasons = models.TextField(blank=True)
    updated = models.DateTimeField(default=timezone.now)

    audit_exempt = True

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "meter"], name="unique_campaign_meter")
        ]
        indexes = [models.Index(fields=["campaign", "status"])]


class SealAlert(models.Model):
    """A meter whose reported parameter hash, version or counter is not what was authorised."""

    meter = models.ForeignKey(TaxiMeter, on_delete=models.PROTECT, related_name="alerts")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    detected_at = models.DateTimeField(default=timezone.now)
    problems = models.JSONField()
    report = models.JSONField()
    log_index = models.BigIntegerField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "meter__instrument__owner"
    audit_exempt = True

    class Meta:
        ordering = ["-id"]
