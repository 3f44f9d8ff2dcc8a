"""Key energy users, their metering tree joined to the registry, uploads, edits and reports.

Readings themselves never enter the database: they live in the Parquet layout of
`jiliang.energy.store` (issue 14 §5). The database keeps what the registry side needs: who
uploads, which point is measured by which registered instrument, which batches were
acknowledged (the durable receipt), manual edits and issued reports.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.registry.models import Institution, Instrument
from jiliang.registry.querysets import RestrictedQuerySet


class EnergyUser(models.Model):
    """A key energy-using unit (重点用能单位): an institution of the registry with a user code."""

    institution = models.OneToOneField(
        Institution, on_delete=models.PROTECT, related_name="energy_user"
    )
    code = models.CharField(max_length=40, unique=True, help_text="user code on the platform")
    sector = models.CharField(max_length=60, help_text="e.g. aluminium electrolysis, cement")
    target_tce = models.FloatField(
        null=True, blank=True, help_text="annual comprehensive energy target, tce"
    )
    product = models.CharField(max_length=60, blank=True, help_text="main product, for intensity")
    annual_output = models.FloatField(null=True, blank=True, help_text="product output per year")
    output_unit = models.CharField(max_length=20, blank=True)
    # Ed25519 public key (64 hex digits). When set, every batch must carry a valid signature.
    public_key = models.CharField(max_length=64, blank=True)
    # GB 17167 Table 4: the class of the boundary electricity meters depends on it.
    electricity_category = models.CharField(
        max_length=3,
        blank=True,
        choices=[(c, c) for c in ("I", "II", "III", "IV", "V")],
        help_text="electricity user category I–V (GB 17167 Table 4)",
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "institution"

    class Meta:
        ordering = ["code"]

    @property
    def division_code(self) -> str:
        return self.institution.division_code

    def __str__(self) -> str:
        return f"{self.code} {self.institution.name_zh}"


class MeteringNode(models.Model):
    """A node of the metering tree: 1 boundary, 2 secondary unit, 3 main equipment, 4 sub-item."""

    class Level(models.IntegerChoices):
        BOUNDARY = 1, _("用能单位")
        SECONDARY = 2, _("次级用能单位")
        EQUIPMENT = 3, _("主要用能设备")
        SUB_ITEM = 4, _("分项")

    user = models.ForeignKey(EnergyUser, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.IntegerField(choices=Level.choices)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    # GB 17167: what the node must meter (empty: its own points' varieties), and whether it
    # is a main unit/equipment (Tables 1 and 2); nodes not main are outside the rates.
    varieties = models.JSONField(default=list, blank=True, help_text="varieties to meter")
    main = models.BooleanField(default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "user__institution"

    class Meta:
        ordering = ["user", "level", "code"]
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="node_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MeasurementPoint(models.Model):
    """A measurement point: what it measures, how to turn its values into energy, and the
    registered instrument behind it (whose certificates decide its legal state per day)."""

    class Kind(models.TextChoices):
        REGISTER = "register", _("底度值")
        INTERVAL = "interval", _("区间量")

    user = models.ForeignKey(EnergyUser, on_delete=models.CASCADE, related_name="points")
    node = models.ForeignKey(MeteringNode, on_delete=models.PROTECT, related_name="points")
    code = models.CharField(max_length=40)
    variety = models.CharField(max_length=40, help_text="energy variety (GB/T 29870 key)")
    unit = models.CharField(max_length=20)
    multiplier = models.FloatField(default=1.0, help_text="CT ratio × PT ratio")
    rollover = models.FloatField(null=True, blank=True, help_text="register wraps after this")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGISTER)
    interval_minutes = models.IntegerField(default=15)
    instrument = models.ForeignKey(
        Instrument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="energy_points",
        help_text="the registered meter; none means readings are 'meter not verified'",
    )
    purchased = models.BooleanField(
        default=True, help_text="energy entering the boundary (counted in the totals)"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "user__institution"

    class Meta:
        ordering = ["user", "code"]
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="point_code")]

    def __str__(self) -> str:
        return self.code


class MeterReplacement(models.Model):
    """A replaced meter: the old register's final and the new one's initial reading."""

    point = models.ForeignKey(
        MeasurementPoint, on_delete=models.CASCADE, related_name="replacements"
    )
    time = models.DateTimeField()
    old_final = models.FloatField()
    new_initial = models.FloatField()
    old_instrument = models.ForeignKey(
        Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_instrument = models.ForeignKey(
        Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["point", "time"]


class UploadBatch(models.Model):
    """The receipt of an acknowledged batch. Written only after its Parquet file is durable,
    so a row here means the readings are on disk; (user, message_id) is unique, so a resend
    finds this row and gets the same acknowledgement."""

    class Source(models.TextChoices):
        API = "api", _("接口")
        MQTT = "mqtt", "MQTT"
        MANUAL = "manual", _("手工填报")

    user = models.ForeignKey(EnergyUser, on_delete=models.PROTECT, related_name="batches")
    message_id = models.CharField(max_length=64)
    received = models.DateTimeField(default=timezone.now)
    count = models.IntegerField()
    first_start = models.DateTimeField(null=True)
    last_start = models.DateTimeField(null=True)
    body_sha256 = models.CharField(max_length=64)
    ack = models.CharField(max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices)
    signed = models.BooleanField(default=False)
    files = models.JSONField(default=list)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "user__institution"

    class Meta:
        ordering = ["-received"]
        constraints = [models.UniqueConstraint(fields=["user", "message_id"], name="batch_message")]


class ManualEdit(models.Model):
    """A corrected value: who, when, why. Raw readings are never changed (issue 14 §3)."""

    point = models.ForeignKey(MeasurementPoint, on_delete=models.PROTECT, related_name="edits")
    period_start = models.DateTimeField()
    value = models.FloatField()
    who = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    when = models.DateTimeField(default=timezone.now)
    why = models.CharField(max_length=300)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "point__user__institution"

    class Meta:
        ordering = ["-when"]


class MrvReport(models.Model):
    """An issued MRV report. A correction is a new version with its reason; none is edited."""

    class Period(models.TextChoices):
        MONTH = "month", _("月报")
        YEAR = "year", _("年报")

    user = models.ForeignKey(EnergyUser, on_delete=models.PROTECT, related_name="reports")
    period = models.CharField(max_length=6, choices=Period.choices)
    start = models.DateField()
    version = models.IntegerField(default=1)
    reason = models.CharField(max_length=300, blank=True)
    body = models.JSONField()
    sha256 = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=80)
    leaf_index = models.BigIntegerField(null=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "user__institution"

    class Meta:
        ordering = ["user", "-start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "start", "version"], name="report_version"
            )
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("issued reports are immutable; issue a correction instead")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# The outbox to provincial platforms lives in its own module (docs/energy-export.md).
from jiliang.monitoring.export_models import ProvincialExport  # noqa: E402, F401
