"""Market supervision records: premises, campaigns (双随机、一公开), inspections, findings,
photos, rectification notices, cases, prepackage inspections, complaints and model units.

Scopes (registry/querysets.py `visible_to`): premises and what hangs on them follow the
premises' owner institution (a regulator sees its region through the owner's division code);
campaigns and prepackage inspections follow the regulator institution that runs them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.registry.querysets import RestrictedQuerySet

USER = settings.AUTH_USER_MODEL


class Premises(models.Model):
    """A place under supervision: a market (with stalls), a stall, a fuel station, an
    optician, a restaurant…; a place of a registry Institution (its owner)."""

    class Kind(models.TextChoices):
        MARKET = "market", _("集贸市场")
        STALL = "stall", _("摊位")
        FUEL_STATION = "fuel_station", _("加油站")
        OPTICIAN = "optician", _("眼镜店")
        RESTAURANT = "restaurant", _("餐饮店")
        OTHER = "other", _("其他")

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="premises"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="stalls"
    )
    division_code = models.CharField(max_length=6, db_index=True)
    address = models.CharField(max_length=200, blank=True)
    trader = models.CharField(max_length=60, blank=True, help_text="stall keeper (not published)")
    contract_terminated = models.BooleanField(default=False)
    instruments = models.ManyToManyField("registry.Instrument", blank=True, related_name="premises")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Campaign(models.Model):
    """A campaign of a regulator: scope, checklist, the draw (seed recorded), results."""

    class State(models.TextChoices):
        PLANNED = "planned", _("计划中")
        DRAWN = "drawn", _("已抽取")
        CLOSED = "closed", _("已结束并公开")

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=120)
    regulator = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="market_campaigns"
    )
    region = models.CharField(max_length=6, help_text="division-code prefix of the scope")
    premises_kind = models.CharField(max_length=16, choices=Premises.Kind.choices)
    categories = models.JSONField(default=list, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    checklist = models.JSONField(default=list)
    premises_count = models.PositiveIntegerField()
    inspectors_count = models.PositiveIntegerField(default=1)
    seed = models.CharField(max_length=200, blank=True)
    algorithm = models.CharField(max_length=40, blank=True)
    population = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PLANNED)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "regulator"

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CampaignInspector(models.Model):
    """An inspector drawn for a campaign, in draw order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="inspectors")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="market_inspector_once")
        ]


class Inspection(models.Model):
    """The visit of a drawn premises by its assigned inspector."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("待检查")
        DONE = "done", _("已检查")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="inspections")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.ASSIGNED)
    visited_at = models.DateTimeField(null=True, blank=True)
    checklist_answers = models.JSONField(default=dict, blank=True)
    signed_by = models.CharField(max_length=60, blank=True)
    refused_to_sign = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "premises__owner"

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "premises"], name="market_premises_once")
        ]


class Finding(models.Model):
    """A finding about one instrument (or the premises) during an inspection."""

    class Kind(models.TextChoices):
        NOT_VERIFIED = "not_verified", _("未经检定")
        OVERDUE = "overdue", _("超过检定周期")
        FAILED = "failed", _("现场检查不合格")
        SEAL_BROKEN = "seal_broken", _("封印损坏")
        CHEATING = "cheating", _("发现作弊功能")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    instrument = models.ForeignKey(
        "registry.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state_at_visit = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "inspection__premises__owner"

    class Meta:
        ordering = ["inspection", "id"]


class Photo(models.Model):
    """A photo of a finding, stored under DATA_DIR/market/photos (never under static)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    audit_exempt = True


class Notice(models.Model):
    """A notice of rectification (责令整改通知) with its deadline and follow-up visit."""

    class FollowUp(models.TextChoices):
        PENDING = "", _("待复查")
        RECTIFIED = "rectified", _("已整改")
        NOT_RECTIFIED = "not_rectified", _("未整改")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="notices")
    number = models.CharField(max_length=40, unique=True)
    requirements = models.TextField()
    deadline = models.DateField()
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    follow_up = models.CharField(max_length=16, choices=FollowUp.choices, blank=True, default="")
    followed_up_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "inspection__premises__owner"


class Case(models.Model):
    """A case (立案) opened from a finding, its legal basis from the rules data, decision."""

    class State(models.TextChoices):
        OPEN = "open", _("已立案")
        DECIDED = "decided", _("已作出决定")
        CLOSED = "closed", _("已结案")

    number = models.CharField(max_length=40, unique=True)
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="cases")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="cases")
    basis_code = models.CharField(max_length=40)
    basis = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    decision = models.TextField(blank=True)
    fine = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    log_index = models.BigIntegerField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "premises__owner"

    class Meta:
        ordering = ["-opened_at", "-id"]


class PrepackInspection(models.Model):
    """A net-quantity inspection of a lot of prepackages, judged by jiliang.supervision."""

    regulator = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="prepack_inspections"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="prepacks"
    )
    product = models.CharField(max_length=120)
    producer = models.CharField(max_length=160)
    lot_code = models.CharField(max_length=60, blank=True)
    nominal = models.DecimalField(max_digits=12, decimal_places=4)
    unit = models.CharField(max_length=4)
    lot_size = models.PositiveIntegerField()
    values = models.JSONField(default=list)
    scale = models.ForeignKey(
        "registry.Instrument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField(default=dict)
    verdict = models.CharField(max_length=4)
    inspected_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    inspected_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "regulator"

    class Meta:
        ordering = ["-inspected_at", "-id"]


class Complaint(models.Model):
    """A complaint from the public about a premises; reaches the regulator of its region."""

    class State(models.TextChoices):
        RECEIVED = "received", _("已受理")
        JUSTIFIED = "justified", _("投诉属实")
        UNFOUNDED = "unfounded", _("投诉不属实")

    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="complaints")
    text = models.TextField(max_length=2000)
    contact = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "premises__owner"


class ModelUnit(models.Model):
    """An honest-measurement model unit (诚信计量示范单位) through its life."""

    class State(models.TextChoices):
        COMMITTED = "committed", _("已自我承诺")
        APPLIED = "applied", _("已申请")
        LISTED = "listed", _("已公布")
        REJECTED = "rejected", _("未通过")
        REMOVED = "removed", _("已撤销")

    premises = models.OneToOneField(Premises, on_delete=models.CASCADE, related_name="model_unit")
    state = models.CharField(max_length=10, choices=State.choices, default=State.COMMITTED)
    committed_on = models.DateField()
    scores = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    listed_on = models.DateField(null=True, blank=True)
    rechecked_on = models.DateField(null=True, blank=True)
    removed_reason = models.CharField(max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "premises__owner"


class NozzleResult(models.Model):
    """A fuel nozzle's verification error (%), for the station's mean error and trend."""

    instrument = models.ForeignKey(
        "registry.Instrument", on_delete=models.CASCADE, related_name="+"
    )
    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="nozzle_results")
    tested_on = models.DateField()
    error_percent = models.FloatField()

    objects = RestrictedQuerySet.as_manager()
    scope_field = "premises__owner"

    class Meta:
        ordering = ["premises", "tested_on"]


class CMarkDeclaration(models.Model):
    """A producer's self-declaration of its measurement assurance capability for prepackages
    (C-mark, 计量保证能力自我声明, by self-declaration since 2019): a public register."""

    producer = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="c_mark_declarations"
    )
    products = models.CharField(max_length=300)
    declared_on = models.DateField()
    declared_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_on = models.DateField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "producer"
    public_register = True

    class Meta:
        ordering = ["-declared_on", "-id"]
