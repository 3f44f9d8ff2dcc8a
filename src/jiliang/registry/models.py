"""Registry models. Business rules live in services.py and traceability.py, not here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiliang.codes import (
    CodeError,
    check_division_code,
    check_gbw_number,
    check_primary_standard_code,
    check_uscc,
)
from jiliang.registry.querysets import RestrictedQuerySet


def _check(check: Callable[[str], object], value: str) -> None:
    try:
        check(value)
    except CodeError as exc:
        raise ValidationError(str(exc)) from exc


def validate_uscc(value: str) -> None:
    _check(check_uscc, value)


def validate_division(value: str) -> None:
    _check(lambda v: check_division_code(v, allow_unlisted=True), value)


def validate_gbw(value: str) -> None:
    _check(check_gbw_number, value)


class Quantity(models.Model):
    """A measured quantity / discipline (mass, pressure, electrical energy …), from data."""

    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=60)
    name_en = models.CharField(max_length=60)
    unit = models.CharField(max_length=20)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    def __str__(self) -> str:
        # shown in the page's language: a quantity is stored in both
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Institution(models.Model):
    class Kind(models.TextChoices):
        NMI = "nmi", _("国家计量院")
        LEGAL_NATIONAL = (
            "legal_national",
            _("国家法定计量检定机构"),
        )
        LEGAL_PROVINCIAL = (
            "legal_provincial",
            _("省级法定计量检定机构"),
        )
        LEGAL_CITY = "legal_city", _("市级法定计量检定机构")
        LEGAL_COUNTY = (
            "legal_county",
            _("县级法定计量检定机构"),
        )
        AUTHORISED = "authorised", _("授权机构")
        INDUSTRIAL_CENTRE = "industrial_centre", _("产业计量测试中心")
        REGIONAL_CENTRE = (
            "regional_centre",
            _("大区国家计量测试中心"),
        )
        CALIBRATION_LAB = "calibration_lab", _("校准实验室")
        ENTERPRISE = "enterprise", _("企业/器具使用单位")
        REGULATOR = "regulator", _("市场监管部门")

    class CentreState(models.TextChoices):
        NONE = "", "—"
        PREPARING = "preparing", _("筹建")
        ACCEPTED = "accepted", _("验收")

    LAB_KINDS = frozenset(
        {
            Kind.NMI,
            Kind.LEGAL_NATIONAL,
            Kind.LEGAL_PROVINCIAL,
            Kind.LEGAL_CITY,
            Kind.LEGAL_COUNTY,
            Kind.AUTHORISED,
            Kind.INDUSTRIAL_CENTRE,
            Kind.REGIONAL_CENTRE,
            Kind.CALIBRATION_LAB,
        }
    )

    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    centre_state = models.CharField(
        max_length=10, choices=CentreState.choices, blank=True, default=""
    )
    division_code = models.CharField(max_length=6, validators=[validate_division], db_index=True)
    uscc = models.CharField(
        "unified social credit code", max_length=18, unique=True, validators=[validate_uscc]
    )
    address = models.CharField(max_length=200, blank=True)
    # A customer a laboratory recorded before it joined the platform (issue 13 §1): owned by
    # nobody, acted for by the laboratory that recorded it until it joins; joining is this
    # same row turning `joined`, so its instruments were always its own (registry.records).
    joined = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    class Meta:
        ordering = ["id"]

    def clean(self) -> None:
        if self.kind == self.Kind.INDUSTRIAL_CENTRE and not self.centre_state:
            raise ValidationError({"centre_state": _("产业计量测试中心须为筹建或验收状态")})
        if self.kind != self.Kind.INDUSTRIAL_CENTRE and self.centre_state:
            raise ValidationError({"centre_state": _("只有产业计量测试中心有此状态")})

    @property
    def is_lab(self) -> bool:
        return self.kind in self.LAB_KINDS

    def __str__(self) -> str:
        return self.name_zh


class Authorisation(models.Model):
    """One of the four forms of authorisation of 计量法实施细则 Art. 27."""

    class Form(models.TextChoices):
        LEGAL_INSTITUTION = (
            "legal_institution",
            _("授权专业性或区域性计量检定机构为法定计量检定机构"),
        )
        PUBLIC_STANDARD = "public_standard", _("授权建立社会公用计量标准")
        INTERNAL_MANDATORY = (
            "internal_mandatory",
            _("授权部门或单位的计量检定机构对其内部使用的强制检定计量器具执行强制检定"),
        )
        OTHER_TASKS = "other_tasks", _("授权有关技术机构承担法律规定的其他检定、测试任务")

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="authorisations"
    )
    form = models.CharField(max_length=20, choices=Form.choices)
    scope = models.TextField()
    certificate_number = models.CharField(max_length=60, unique=True)
    valid_from = models.DateField()
    valid_until = models.DateField()

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = "institution"

    def clean(self) -> None:
        if self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": "must be after valid_from"})

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def __str__(self) -> str:
        return self.certificate_number


class Person(models.Model):
    """A registered metrologist 注册计量师 who may sign as verifier, checker or approver."""

    class Level(models.IntegerChoices):
        ONE = 1, _("一级注册计量师")
        TWO = 2, _("二级注册计量师")

    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(max_length=60)
    registration_number = models.CharField(max_length=40, unique=True)
    level = models.IntegerField(choices=Level.choices)
    registration_scope = models.JSONField(
        default=list, help_text="quantity codes and catalogue item numbers covered"
    )
    valid_from = models.DateField()
    valid_until = models.DateField()
    roles = models.JSONField(default=list, help_text="verifier, checker, approver")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "institution"

    def __str__(self) -> str:
        return self.name


class MeasurementStandard(models.Model):
    """A national primary standard 计量基准 or a measurement standard 计量标准."""

    class Kind(models.TextChoices):
        NATIONAL_PRIMARY = "national_primary", _("计量基准")
        SOCIAL_PUBLIC_HIGHEST = (
            "social_public_highest",
            _("最高社会公用计量标准"),
        )
        SOCIAL_PUBLIC = "social_public", _("社会公用计量标准")
        DEPARTMENTAL_HIGHEST = (
            "departmental_highest",
            _("部门最高计量标准"),
        )
        ENTERPRISE_HIGHEST = (
            "enterprise_highest",
            _("企事业单位最高计量标准"),
        )
        WORKING = "working", _("工作计量标准")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("在用")
        NONCONFORMING = "nonconforming", _("不符合要求")
        RETIRED = "retired", _("停用")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="standards")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    code = models.CharField(max_length=40, unique=True)
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT)
    range_min = models.FloatField()
    range_max = models.FloatField()
    unit = models.CharField(max_length=20)
    expanded_uncertainty = models.FloatField(
        null=True, blank=True, help_text="U (k=2) in the standard's unit, or relative if rel"
    )
    uncertainty_is_relative = models.BooleanField(default=False)
    accuracy_class = models.CharField(max_length=20, blank=True)
    mpe = models.FloatField(null=True, blank=True, help_text="maximum permissible error")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    nonconforming_since = models.DateField(null=True, blank=True)
    external_nmi = models.CharField(max_length=120, blank=True)
    cmc_reference = models.CharField(
        max_length=80, blank=True, help_text="KCDB CMC identifier when traced abroad (CIPM MRA)"
    )

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = "institution"

    class Meta:
        ordering = ["id"]

    def clean(self) -> None:
        if self.kind == self.Kind.NATIONAL_PRIMARY:
            try:
                check_primary_standard_code(self.code)
            except CodeError as exc:
                raise ValidationError({"code": str(exc)}) from exc
        if self.range_max < self.range_min:
            raise ValidationError({"range_max": "must not be below range_min"})

    def uncertainty_at(self, value: float) -> float | None:
        """The standard's expanded uncertainty in absolute terms at a value."""
        if self.expanded_uncertainty is None:
            return None
        if self.uncertainty_is_relative:
            return self.expanded_uncertainty * abs(value)
        return self.expanded_uncertainty

    def covers(self, low: float, high: float) -> bool:
        return self.range_min <= low and high <= self.range_max

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ExaminationCertificate(models.Model):
    """计量标准考核证书; its validity comes from the rule in force on the issue date."""

    standard = models.ForeignKey(
        MeasurementStandard, on_delete=models.PROTECT, related_name="examination_certificates"
    )
    number = models.CharField(max_length=60, unique=True)
    issued_on = models.DateField()
    valid_until = models.DateField()
    revoked_on = models.DateField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = "standard__institution"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day <= self.valid_until and (
            self.revoked_on is None or day < self.revoked_on
        )

    def __str__(self) -> str:
        return self.number


class ReferenceMaterial(models.Model):
    """A certified reference material 标准物质 with its GBW number."""

    gbw_number = models.CharField(max_length=16, unique=True, validators=[validate_gbw])
    grade = models.IntegerField(editable=False)
    name = models.CharField(max_length=160)
    producer = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="materials")
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT)
    certified_value = models.FloatField()
    unit = models.CharField(max_length=20)
    expanded_uncertainty = models.FloatField()
    coverage_factor = models.FloatField(default=2.0)
    expiry = models.DateField()

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = "producer"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.grade, self.gbw_number = check_gbw_number(self.gbw_number)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.expanded_uncertainty <= 0 or self.coverage_factor <= 0:
            raise ValidationError("U and k must be positive")

    def __str__(self) -> str:
        return f"{self.gbw_number} {self.name}"


class CatalogueItem(models.Model):
    """A row of the catalogue of instruments under mandatory control (SAMR 2020 No. 42)."""

    class Supervision(models.TextChoices):
        P = "P", _("型式批准 (P)")
        V = "V", _("强制检定 (V)")
        PV = "P+V", _("型式批准、强制检定 (P+V)")

    class Form(models.TextChoices):
        INITIAL_SCRAP = "initial_scrap", _("首次检定，失准报废")
        INITIAL_REPLACE = "initial_replace", _("首次检定，到期轮换")
        PERIODIC = "periodic", _("周期检定")
        NONE = "", "—"

    number = models.CharField(max_length=10, unique=True)
    name_zh = models.CharField(max_length=80)
    name_en = models.CharField(max_length=120)
    supervision = models.CharField(max_length=4, choices=Supervision.choices)
    verification_form = models.CharField(max_length=16, choices=Form.choices, blank=True)
    mandatory_use_areas = models.JSONField(default=list)
    quantity = models.ForeignKey(Quantity, null=True, blank=True, on_delete=models.PROTECT)
    confirmed = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=200)
    data_version = models.CharField(max_length=20)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        # shown in the page's language: an item's name is stored in both
        if (get_language() or "").startswith("en") and self.name_en:
            return f"{self.number} {self.name_en}"
        return f"{self.number} {self.name_zh}"


class UseArea(models.TextChoices):
    TRADE = "trade", _("贸易结算")
    SAFETY = "safety", _("安全防护")
    MEDICAL = "medical", _("医疗卫生")
    ENVIRONMENT = "environment", _("环境监测")
    OTHER = "other", _("其他")


class Instrument(models.Model):
    """A measuring instrument 计量器具, including the equipment that makes up a standard."""

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("在用")
        OUT_OF_SERVICE = "out_of_service", _("停用")
        SCRAPPED = "scrapped", _("报废")
        LOST = "lost", _("丢失")

    # No single-column indexes where a composite one starts with the column (owner: the
    # unique serial and due-date indexes; division: the regional due-date index): each
    # index is written on every one of 10^6 imported rows.
    owner = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="instruments", db_index=False
    )
    name = models.CharField(max_length=120)
    category = models.ForeignKey(
        CatalogueItem, null=True, blank=True, on_delete=models.PROTECT, related_name="instruments"
    )
    # Not indexed: nothing lists instruments by quantity, and every imported row would pay it.
    quantity = models.ForeignKey(
        Quantity, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    use_area = models.CharField(max_length=12, choices=UseArea.choices, default=UseArea.OTHER)
    location = models.CharField(max_length=160, blank=True)
    division_code = models.CharField(max_length=6, validators=[validate_division])
    serial_number = models.CharField(max_length=60)
    maker = models.CharField(max_length=120, blank=True)
    model = models.CharField(max_length=80, blank=True)
    cpa_mark = models.CharField("pattern approval mark", max_length=40, blank=True)
    range_min = models.FloatField(null=True, blank=True)
    range_max = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    accuracy_class = models.CharField(max_length=20, blank=True)
    mpe = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    part_of_standard = models.ForeignKey(
        MeasurementStandard,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="equipment",
        db_index=False,  # a partial index in Meta: few instruments are part of a standard
    )
    interval_days = models.IntegerField(
        null=True, blank=True, help_text="accepted calibration interval (overrides the regulation)"
    )
    # Cache of the derived due date (ARCHITECTURE rule 4: never typed), kept by
    # services.refresh_due_dates so the due list is an index range scan at 10^6 instruments.
    due_date = models.DateField(null=True, blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "serial_number"], name="unique_serial_per_owner"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "due_date"], name="instrument_owner_due"),
            models.Index(fields=["division_code", "due_date"], name="instrument_division_due"),
            models.Index(
                fields=["part_of_standard"],
                name="instrument_equipment",
                condition=models.Q(part_of_standard__isnull=False),
            ),
            # the search-as-you-type picker: serial number and name prefixes at 10^6 rows
            # (registry.record_api.pick_instruments); pattern ops for LIKE on PostgreSQL
            models.Index(
                fields=["serial_number"],
                name="instrument_serial",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name"], name="instrument_name", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def clean(self) -> None:
        """The write rules of the importer for the admin's form too (registry.write_rules):
        control characters, and equipment only of the owner's own standards."""
        from jiliang.registry import write_rules

        errors = write_rules.field_problems(
            Instrument, {f.name: getattr(self, f.attname) for f in self._meta.concrete_fields}
        )
        if self.part_of_standard_id is not None and self.owner_id is not None:
            standard = self.part_of_standard
            refusal = write_rules.equipment_refusal(
                self.owner_id, standard.institution_id, standard.code
            )
            if refusal is not None:
                errors["part_of_standard"] = refusal
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Re-derive the cached due date before writing, so a stale instance in memory (or a
        changed interval) never stores a wrong one, and the change log sees no false diff.
        A new owner consented to no laboratory's access: the instrument's access rows go."""
        fields = kwargs.get("update_fields")
        if self.pk is not None and (fields is None or "interval_days" in fields):
            from jiliang.registry.services import due_date

            self.due_date = due_date(self)
            if fields is not None:
                kwargs["update_fields"] = [*fields, "due_date"]
        moved = (
            self.pk is not None
            and (fields is None or "owner" in fields or "owner_id" in fields)
            and Instrument.objects.filter(pk=self.pk).exclude(owner_id=self.owner_id).exists()
        )
        super().save(*args, **kwargs)
        if moved:
            from jiliang.registry.customers import instrument_moved

            instrument_moved(self.pk)

    def __str__(self) -> str:
        return f"{self.name} {self.serial_number}"


class Certificate(models.Model):
    """检定证书 / 检定结果通知书 / 校准证书. Immutable once saved; corrections are new rows."""

    class Kind(models.TextChoices):
        VERIFICATION = "verification", _("检定证书")
        NOTICE = "notice", _("检定结果通知书")
        CALIBRATION = "calibration", _("校准证书")

    class Conclusion(models.TextChoices):
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")
        CALIBRATED = "calibrated", _("已校准")

    class Amendment(models.TextChoices):
        NONE = "", "—"
        AMENDS = "amends", _("更正")
        SUBSTITUTES = "substitutes", _("替代")

    # Unique by a constraint in Meta, not `unique=True`, which on PostgreSQL also builds a
    # second (LIKE) index that nothing uses and every imported certificate would pay for.
    number = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # issuer and instrument are indexed by the composite indexes in Meta, which start with them
    issuer = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued",
        db_index=False,
    )
    external_issuer = models.CharField(max_length=160, blank=True)
    cmc_reference = models.CharField(max_length=80, blank=True)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="certificates", db_index=False
    )
    regulation = models.CharField(max_length=40, help_text="JJG/JJF number")
    calibration_date = models.DateField()
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    conclusion = models.CharField(max_length=12, choices=Conclusion.choices)
    accuracy_class = models.CharField(max_length=20, blank=True)
    verifier = models.ForeignKey(  # not indexed: nothing looks certificates up by signer
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    checker = models.ForeignKey(  # not indexed: nothing looks certificates up by signer
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approver = models.ForeignKey(  # not indexed: nothing looks certificates up by signer
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    standards_used = models.ManyToManyField(
        MeasurementStandard,
        through="CertificateStandard",
        blank=True,
        related_name="certificates_issued_with",
    )
    materials_used = models.ManyToManyField(
        ReferenceMaterial, blank=True, related_name="certificates"
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amended_by",
        db_index=False,  # a partial index in Meta: few certificates amend another
    )
    amendment = models.CharField(max_length=12, choices=Amendment.choices, blank=True, default="")
    external_document_sha256 = models.CharField(max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "instrument__owner"

    class Meta:
        ordering = ["-calibration_date", "-id"]
        indexes = [
            models.Index(fields=["instrument", "calibration_date"]),
            # with the conclusion: a laboratory's certificates by month and conclusion (the
            # home chart) are read from the index alone (docs/benchmarks/home.md)
            models.Index(
                fields=["issuer", "calibration_date", "conclusion"],
                name="certificate_issuer_date",
            ),
            # the default order, so a page of 2x10^6 certificates is read, not sorted
            models.Index(fields=["calibration_date", "id"], name="certificate_by_date"),
            models.Index(
                fields=["amends"],
                name="certificate_amends",
                condition=models.Q(amends__isnull=False),
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["number"], name="certificate_number")]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValidationError("issued certificates are immutable; issue an amendment instead")
        super().save(*args, **kwargs)
        # Every certificate saved one by one moves its instrument's cached due date and notes
        # that the issuer worked on the instrument (no customer relation: issue 12); bulk
        # paths (importer, demo) do both once for all their rows.
        from jiliang.registry.customers import note_worked
        from jiliang.registry.services import refresh_due_dates

        refresh_due_dates([self.instrument_id])
        note_worked([(self.issuer_id, self.instrument_id)])

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("issued certificates are never deleted")

    @property
    def is_passing(self) -> bool:
        return self.conclusion in (self.Conclusion.PASS, self.Conclusion.CALIBRATED)

    def use_standards(self, *standards: MeasurementStandard) -> None:
        """Record standards used for this certificate (the link carries its instrument)."""
        self.standards_used.add(*standards, through_defaults={"instrument_id": self.instrument_id})

    def __str__(self) -> str:
        return self.number


class CertificateStandard(models.Model):
    """A standard used for a certificate: the edge of the traceability graph.

    The certificate's instrument is copied onto the link so that trace down counts the
    instruments depending on a standard from one index over the links, instead of joining
    ~10^6 certificates. Certificates are immutable, so the copy never goes stale; every write
    path sets it (Certificate.use_standards, the importer, the demo), and NOT NULL makes a
    path that forgets fail loudly.
    """

    # both indexed as the leading column of the unique pair and of link_standard_certificate
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, db_index=False)
    measurementstandard = models.ForeignKey(
        MeasurementStandard, on_delete=models.CASCADE, db_index=False
    )
    # Instruments with certificates cannot be deleted (Certificate.instrument is PROTECT),
    # so no delete ever reaches a link through this column: no index, no collector check.
    # No database constraint either: the value is a copy of the certificate's instrument,
    # which its own foreign key already checks, and a constraint here could not tell a wrong
    # copy from a right one; it cost PostgreSQL one more check per imported link at commit.
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.DO_NOTHING,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()
    scope_field = "instrument__owner"

    class Meta:
        db_table = "registry_certificate_standards_used"
        # as the auto-created link table had it, so the existing unique index stays
        unique_together = [("certificate", "measurementstandard")]
        indexes = [
            models.Index(
                fields=["measurementstandard", "certificate", "instrument"],
                name="link_standard_certificate",
            ),
            models.Index(
                fields=["measurementstandard", "instrument"], name="link_standard_instrument"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} → {self.measurementstandard_id}"


class VerificationScheme(models.Model):
    """检定系统表: the levels of a quantity's dissemination, loaded from a data file."""

    code = models.CharField(max_length=40, unique=True)
    title_zh = models.CharField(max_length=120)
    title_en = models.CharField(max_length=160)
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT)
    source = models.CharField(max_length=200)
    data_version = models.CharField(max_length=20)

    objects = RestrictedQuerySet.as_manager()
    public_register = True

    def __str__(self) -> str:
        return self.code


class SchemeLevel(models.Model):
    scheme = models.ForeignKey(VerificationScheme, on_delete=models.CASCADE, related_name="levels")
    order = models.IntegerField()
    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160)
    accuracy = models.CharField(max_length=200, help_text="uncertainty, MPE or class")
    transfer_method = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict)

    objects = RestrictedQuerySet.as_manager()
    public_register = True
    scope_field = None

    class Meta:
        ordering = ["scheme", "order"]


# after the models they refer to; here so that Django and `from models import` find them
from jiliang.registry.customer_models import LabAccess as LabAccess  # noqa: E402
from jiliang.registry.customer_models import LabCustomer as LabCustomer  # noqa: E402
from jiliang.registry.due_count_models import DueDayCount as DueDayCount  # noqa: E402
from jiliang.registry.record_models import StateChange as StateChange  # noqa: E402
