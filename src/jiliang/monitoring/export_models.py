"""The outbox of messages to a provincial platform (issue 14 §2, docs/energy-export.md).

A message is stored here before it is sent, with the exact bytes to POST, and is never
deleted: pending (stored, never sent) → sent (POSTed at least once, not acknowledged: resent
on the next run) → acknowledged (never sent again); or refused (the platform refused this
message for good: never resent, later days go on) or withdrawn (by an operator, with who,
when and why: never resent). The id is the hash of the content, unique per user and profile,
so building the same figures again finds the stored row, in whatever state, instead of adding
one: a refused or withdrawn message is not resurrected.

``claimed_by``/``claimed_until`` are the claim of the run sending the row right now
(`export_outbox.deliver`): a run sends only a row it claimed by one conditional UPDATE, so two
runs never POST one message at the same time; a crashed run's claim expires.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.registry.querysets import RestrictedQuerySet


class ProvincialExport(models.Model):
    """One message to a provincial platform, its delivery state and its last error."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("export state", "已确认")
        REFUSED = "refused", _("被平台拒收")
        WITHDRAWN = "withdrawn", _("已撤回")

    user = models.ForeignKey(
        "monitoring.EnergyUser", on_delete=models.PROTECT, related_name="exports"
    )
    profile = models.CharField(max_length=64, help_text="mapping profile, e.g. nm-v1")
    schema_version = models.CharField(max_length=40)
    message_id = models.CharField(max_length=64)
    day = models.DateField(help_text="the day (China Standard Time) its periods start on")
    count = models.IntegerField()
    body = models.TextField(help_text="the exact JSON sent (UTF-8)")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.IntegerField(default=0)
    last_error = models.CharField(max_length=400, blank=True)
    endpoint = models.CharField(max_length=300, blank=True, help_text="where it was last sent")
    response = models.CharField(max_length=300, blank=True, help_text="the acknowledgement")
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(
        max_length=200, blank=True, help_text="account name, or cli:LOGIN@HOST for the command"
    )
    withdrawn_account = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdraw_reason = models.CharField(max_length=500, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True, help_text="the run sending it now")
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "user__institution"

    class Meta:
        ordering = ("user", "profile", "day", "message_id")
        constraints = (
            models.UniqueConstraint(
                fields=["user", "profile", "message_id"], name="export_message"
            ),
        )
        indexes = (models.Index(fields=["user", "profile", "state"], name="export_state"),)

    def __str__(self) -> str:
        return f"{self.user_id} {self.profile} {self.message_id} {self.state}"
