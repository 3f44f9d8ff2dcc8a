"""A notice per (user, kind, subject, period), unique in the database: the scheduler may run
`jiliang notify` twice, or two runs may overlap, and nobody is told the same thing twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DUE = "due", _("器具即将到期")
    OVERDUE = "overdue", _("器具已超期")
    REEXAMINATION = "reexamination", _("计量标准考核复查")
    JOB = "job", _("检定/校准进度")
    RECALL = "recall", _("证书召回")
    REGION_OVERDUE = "region_overdue", _("辖区超期强检器具")


class Notice(models.Model):
    """One message to one user; in the inbox always, by e-mail as the user prefers."""

    class Mail(models.TextChoices):
        NONE = "none", _("不发邮件")
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，将重试")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=60, help_text="what it is about, e.g. owner:12")
    period = models.CharField(max_length=20, help_text="when: a month, a status, an expiry")
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_zh = models.TextField()
    body_en = models.TextField()
    link = models.CharField(max_length=200, blank=True, help_text="path on this site")
    data = models.JSONField(default=dict, help_text="the counts or ids the text was made from")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    mail = models.CharField(max_length=8, choices=Mail.choices, default=Mail.NONE)
    mail_attempts = models.IntegerField(default=0)
    mail_error = models.CharField(max_length=300, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "subject", "period"], name="notice_once"
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notice_inbox"),
            models.Index(
                fields=["mail"],
                name="notice_mail_queue",
                condition=models.Q(mail__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.subject} {self.period}"


class Preference(models.Model):
    """Which kinds a user wants by e-mail; the in-app inbox always gets every notice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    email = models.BooleanField(default=True, help_text="e-mail at all")
    muted = models.JSONField(default=list, help_text="kinds not e-mailed")
    updated_at = models.DateTimeField(auto_now=True)

    def emails(self, kind: str) -> bool:
        return self.email and kind not in self.muted

    def __str__(self) -> str:
        return f"{self.user_id} email={self.email} muted={self.muted}"
