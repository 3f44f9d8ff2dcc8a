"""Admin for campaigns: read-only. Sealed submissions are deliberately not registered, so
the admin site cannot open a result before the deadline (the sealing rule of services.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiliang.comparisons.models import Campaign, CapabilityEvidence, Participant


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(_ReadOnly):
    list_display = ("code", "title", "pilot", "method", "deadline", "status")
    list_filter = ("status", "kind", "method")
    search_fields = ("code", "title")
    exclude = ("result",)


@admin.register(Participant)
class ParticipantAdmin(_ReadOnly):
    list_display = ("campaign", "institution", "state", "ship_date", "measure_until")
    list_filter = ("state",)


@admin.register(CapabilityEvidence)
class CapabilityEvidenceAdmin(_ReadOnly):
    list_display = ("institution", "campaign", "measurand", "En", "en_satisfactory")
    list_filter = ("en_satisfactory",)
