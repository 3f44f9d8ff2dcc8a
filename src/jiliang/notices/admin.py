"""Admin for notices: read-only; `jiliang notify` writes them, users read them."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.notices.models import Notice, Preference


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "subject", "period", "created_at", "read_at", "mail")
    list_filter = ("kind", "mail")
    search_fields = ("user__username", "subject")


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "email", "muted", "updated_at")
