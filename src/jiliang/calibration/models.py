"""Models of the calibration app: procedures, jobs, observations, signatures, issued files,
certificate number series and recalls. Business rules live in services.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.registry.querysets import RestrictedQuerySet


class ProcedureRecord(models.Model):
    """A procedure file (shipped, or a lab's own) as loaded and validated by jiliang.procedures."""

    code = models.CharField(max_length=60)
    kind = models.CharField(max_length=12)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    quantity = models.CharField(max_length=40)
    accuracy_classes = models.JSONField(default=list)
    source_text = models.TextField(help_text="the YAML file as loaded")
    sha256 = models.CharField(max_length=64)
    origin = models.CharField(max_length=200, help_text="file name it was loaded from")
    institution = models.ForeignKey(
        "registry.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text="None for the procedures shipped with jiliang",
    )
    loaded_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "institution"], name="calibration_procedure_code_per_owner"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(institution__isnull=True),
                name="calibration_builtin_procedure_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"


class NumberSeries(models.Model):
    """Per-institution certificate numbering; ``last_seq`` only moves inside the issuing
    transaction (locked with select_for_update), so a failed issue consumes no number."""

    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="number_series"
    )
    institution_code = models.CharField(max_length=20)
    pattern = models.CharField(max_length=80, default="{institution_code}-{year}-{seq:06d}")
    period = models.IntegerField(default=0, help_text="the year when the pattern has {year}")
    last_seq = models.IntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "institution"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "period"], name="calibration_series_per_period"
            )
        ]


class Job(models.Model):
    """One instrument received for verification or calibration, from receipt to certificate."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("记录中")
        RECORDED = "recorded", _("待核验")
        CHECKED = "checked", _("待批准")
        ISSUED = "issued", _("已出证")

    class Rule(models.TextChoices):
        PROCEDURE = "", _("按规程")
        JJF_1094 = "jjf1094", _("JJF 1094-2002 5.3 合格/待定/不合格")
        SIMPLE = "simple_acceptance", _("简单接受（仅当 U95 ≤ MPEV/3）")
        GUARDED = "guarded_acceptance", _("保护带接受（w = r·U）")

    class ReturnMethod(models.TextChoices):
        HANDED_OVER = "handed_over", _("当面交付")
        SHIPPED = "shipped", _("寄出")

    lab = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(
        "registry.Instrument", on_delete=models.PROTECT, related_name="calibration_jobs"
    )
    receipt_number = models.CharField(max_length=40)
    received_on = models.DateField()
    condition = models.TextField(blank=True, help_text="condition on receipt")
    procedure = models.ForeignKey(ProcedureRecord, on_delete=models.PROTECT, related_name="jobs")
    accuracy_class = models.CharField(max_length=20)
    in_service = models.BooleanField(default=False, help_text="in-service MPE (else initial)")
    parameters = models.JSONField(default=dict, help_text="instrument parameters (Max, e, …)")
    statement_requested = models.BooleanField(
        default=False, help_text="calibration: the customer asked for a statement of conformity"
    )
    decision_rule = models.CharField(max_length=24, choices=Rule.choices, blank=True, default="")
    guard_band_factor = models.DecimalField(max_digits=6, decimal_places=3, default=1)
    work_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=160, blank=True)
    environment = models.JSONField(default=dict, help_text="quantity → measured value")
    standards = models.ManyToManyField("registry.MeasurementStandard", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    english = models.BooleanField(default=False, help_text="certificate in English")
    # The instrument's return to its owner (issue 13 §3); rules in calibration/returns.py.
    returned_on = models.DateField(null=True, blank=True)
    returned_to = models.CharField(
        max_length=160, blank=True, help_text="the person it was handed to, or the addressee"
    )
    return_method = models.CharField(
        max_length=12, choices=ReturnMethod.choices, blank=True, default=""
    )
    return_tracking = models.CharField(
        max_length=60, blank=True, help_text="the carrier's tracking number when shipped"
    )
    return_reason = models.TextField(
        blank=True, help_text="why it went back without a certificate (refused, unrepairable)"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certificate = models.OneToOneField(
        "registry.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calibration_job",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "lab"

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "receipt_number"], name="calibration_receipt")
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.instrument}"

    @property
    def returned(self) -> bool:
        """The instrument went back to its owner: the job changes no more."""
        return self.returned_on is not None


class Observation(models.Model):
    """Raw inputs at one test point, as found or as left, and the computed result."""

    class State(models.TextChoices):
        AS_FOUND = "as_found", _("调整前")
        AS_LEFT = "as_left", _("调整后")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="observations")
    point_index = models.IntegerField()
    label = models.CharField(max_length=80)
    state = models.CharField(max_length=8, choices=State.choices, default=State.AS_FOUND)
    inputs = models.JSONField(default=dict)
    # Results (filled by services.compute_results from the uncertainty engine).
    value = models.FloatField(null=True)
    error = models.FloatField(null=True)
    expanded_uncertainty = models.FloatField(null=True)
    coverage_factor = models.FloatField(null=True)
    probability = models.FloatField(null=True)
    unit = models.CharField(max_length=20, blank=True)
    mpe = models.FloatField(null=True)
    statement = models.CharField(max_length=16, blank=True)
    guard_band = models.FloatField(null=True)
    risk = models.FloatField(null=True, help_text="PFA when accepted, PFR when rejected")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "job__lab"

    class Meta:
        ordering = ["point_index", "state"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "point_index", "state"], name="calibration_one_observation"
            )
        ]

    @property
    def accepted(self) -> bool:
        return self.statement in ("pass", "conditionalPass")

    @property
    def undecided(self) -> bool:
        """JJF 1094-2002 5.3 待定: neither pass nor fail."""
        return self.statement == "undecided"

    @property
    def statement_label(self) -> str:
        """Label of the statement in the active language (合格, 待定 / pass, undecided…)."""
        from jiliang.calibration.decisions import statement_label

        return statement_label(self.statement)

    @property
    def certificate_label(self) -> str:
        """The certificate's bilingual label, '合格 pass', in any active language."""
        from jiliang.calibration.decisions import certificate_label

        return certificate_label(self.statement)


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(f"{self._meta.verbose_name} records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(f"{self._meta.verbose_name} records are never deleted")


class SignatureEvent(AppendOnly):
    """One signature (or rejection) of the three-step release, time-stamped."""

    class Step(models.TextChoices):
        RECORD = "record", _("检定员/校准员")
        CHECK = "check", _("核验员")
        APPROVE = "approve", _("批准人")

    class Action(models.TextChoices):
        SIGN = "sign", _("签字")
        REJECT = "reject", _("退回")

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="signatures")
    step = models.CharField(max_length=8, choices=Step.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    round = models.IntegerField(default=1, help_text="increments after every rejection")
    reason = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "job__lab"

    class Meta:
        ordering = ["at", "id"]


class IssuedDocument(AppendOnly):
    """A signed certificate file (PDF or DCC) with its detached Ed25519 signature bundle."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DCC = "dcc", "DCC XML"

    certificate = models.ForeignKey(
        "registry.Certificate", on_delete=models.PROTECT, related_name="documents"
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    signature = models.TextField(help_text="JSON signature bundle (jiliang.dcc)")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "certificate__instrument__owner"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "format"], name="calibration_one_doc")
        ]
        # the public check finds an uploaded file by its hash (calibration/check.py)
        indexes = [models.Index(fields=["sha256"], name="calibration_doc_sha256")]


class Recall(models.Model):
    """Certificates issued with a standard later found nonconforming, and their follow-up."""

    lab = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(
        "registry.MeasurementStandard", on_delete=models.PROTECT, related_name="recalls"
    )
    nonconforming_since = models.DateField()
    last_good = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "lab"

    class Meta:
        ordering = ["-id"]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RecallItem(models.Model):
    """One affected certificate: its customer, notification and re-verification."""

    class Method(models.TextChoices):
        NONE = "", "—"
        LETTER = "letter", _("函件")
        EMAIL = "email", _("电子邮件")
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门")

    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="items")
    certificate = models.ForeignKey(
        "registry.Certificate", on_delete=models.PROTECT, related_name="recall_items"
    )
    customer = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    notified_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices, blank=True, default="")
    new_certificate = models.ForeignKey(
        "registry.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recall_resolutions",
    )
    waived_reason = models.TextField(
        blank=True, help_text="resolved without re-verification (e.g. instrument scrapped)"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "recall__lab"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recall", "certificate"], name="calibration_recall_item"
            )
        ]

    @property
    def resolved(self) -> bool:
        return self.notified_on is not None and (
            self.new_certificate_id is not None or bool(self.waived_reason)
        )


class DccSignature(models.Model):
    """The XML-DSig state of an imported DCC, checked when it was imported
    (``jiliang.dcc.verify_xml_signature``). Kept here, one-to-one with the registry
    certificate, so that the registry needs no migration and imports nothing of this app."""

    class State(models.TextChoices):
        VALID = "valid", _("签名有效")
        UNTRUSTED = "untrusted", _("签名有效，密钥不受信任")
        INVALID = "invalid", _("签名无效")
        ABSENT = "absent", _("无 XML 签名")

    certificate = models.OneToOneField(
        "registry.Certificate", on_delete=models.CASCADE, related_name="dcc_signature"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    signer_subject = models.CharField(max_length=500, blank=True)
    key_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 (hex) of the signing certificate's DER"
    )
    reason = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "certificate__instrument__owner"

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.state}"

    @property
    def badge_label(self) -> str:
        """Short label for lists."""
        return str(
            {
                "valid": _("XML 签名有效"),
                "untrusted": _("XML 签名密钥不受信任"),
                "invalid": _("XML 签名无效"),
                "absent": _("未签名"),
            }[self.state]
        )

    @property
    def css(self) -> str:
        """Badge class: ok for valid, warn for an untrusted key or none, bad for invalid."""
        return {"valid": "ok", "invalid": "bad"}.get(self.state, "warn")
