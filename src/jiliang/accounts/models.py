"""Users belong to an institution; what they see follows from it (see registry.permissions)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def default_staff_roles() -> list[str]:
    """The three signing roles (a module-level callable: migrations serialise it)."""
    return ["recorder", "checker", "approver"]


class User(AbstractUser):
    """A platform user. Institution and role decide the visible slice of the registry."""

    class Role(models.TextChoices):
        LAB = "lab", _("实验室人员")
        OWNER = "owner", _("器具使用单位")
        REGULATOR = "regulator", _("市场监管")
        CENTRE = "centre", _("计量中心")
        ADMIN = "admin", _("平台管理员")

    institution = models.ForeignKey(
        "registry.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    display_name = models.CharField(max_length=100, blank=True)
    # Staff roles inside the institution (accounts.staff.STAFF_ROLES): which signing step the
    # user may take and whether it manages the institution's users. The default is what every
    # laboratory user could do before staff roles existed; managers set them per person.
    staff_roles = models.JSONField(
        default=default_staff_roles,
        blank=True,
        help_text="recorder, checker, approver, manager, readonly",
    )


class ApiToken(models.Model):
    """A bearer token for machine clients; only its SHA-256 is stored.

    Every token expires (settings.API_TOKEN_DAYS unless the issuer chooses 1–3650 days) and
    can be revoked by its user or an administrator; an expired or revoked token gives 401.
    """

    MAX_DAYS = 3650

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(help_text="the token is refused from this instant on")
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token and return it with the raw secret, which is shown once."""
        lifetime = settings.API_TOKEN_DAYS if days is None else days
        if not 1 <= lifetime <= cls.MAX_DAYS:
            raise ValueError(
                f"days: {lifetime} is outside 1–{cls.MAX_DAYS} (令牌有效期应为 1–{cls.MAX_DAYS} 天)"
            )
        raw = "jl_" + secrets.token_urlsafe(32)
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            name=name,
            digest=cls.hash(raw),
            prefix=raw[:8],
            created=now,
            expires=now + dt.timedelta(days=lifetime),
        )
        return token, raw

    @classmethod
    def live(cls) -> models.QuerySet[ApiToken]:
        """The tokens that authenticate now: neither revoked nor expired."""
        return cls.objects.filter(revoked=False, expires__gt=timezone.now())

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if self.expires <= timezone.now() else "active"

    def revoke(self) -> None:
        """Revoked for good (a revoked token is never reinstated; issue a new one)."""
        if not self.revoked:
            self.revoked = True
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked", "revoked_at"])

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AppendOnly(models.Model):
    """A change-log row: written once, never updated (the admin shows it read-only)."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("change records are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ChangeRecord(AppendOnly):
    """Who changed what, when, with the object's state before and after (append-only)."""

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("change action", "创建")
        UPDATE = "update", pgettext_lazy("change action", "修改")
        DELETE = "delete", pgettext_lazy("change action", "删除")

    time = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    model = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["model", "object_id", "time"])]
        ordering = ["-time", "-id"]


class BulkCreation(AppendOnly):
    """Many rows of one model created at once (an import): who, when and from which file.

    Why not a ChangeRecord per row: at 2×10^4 rows a second the per-row records cost as much
    as the rows. The values of every created row are kept in `BulkCreatedRows`, so each
    object's change log still shows its creation with its values (`audit.history`).
    """

    time = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    model = models.CharField(max_length=64)
    source = models.CharField(max_length=200, blank=True, help_text="the imported file")
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.count} × {self.model} ({self.source or 'bulk'})"


class BulkCreatedRows(AppendOnly):
    """The values of a bulk creation's rows whose ids run from first_id to last_id, no gap."""

    creation = models.ForeignKey(BulkCreation, on_delete=models.CASCADE, related_name="chunks")
    model = models.CharField(max_length=64)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    # Columnar: the field names once, then one list of values per id (in id order); a list of
    # dicts would repeat every name 10^4 times. `rows` is JSON kept as text: nothing queries
    # inside it, and PostgreSQL writes text twice as fast as it parses jsonb.
    fields = models.JSONField(help_text="the snapshot's field names")
    rows = models.TextField(help_text="JSON: one list of values per id, in id order")
    source_rows = models.JSONField(default=list, help_text="the file row of each, if any")

    class Meta:
        indexes = [models.Index(fields=["model", "first_id"], name="bulk_rows_by_first_id")]

    def __str__(self) -> str:
        return f"{self.model} {self.first_id}–{self.last_id}"
