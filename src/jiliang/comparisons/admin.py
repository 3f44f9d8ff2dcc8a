"""Admin for campaigns: read-only. Sealed submissions are deliberately not registered, so
the admin site cannot open a result before the deadline (the sealing rule of services.py)."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.comparisons.models import Campaign, CapabilityEvidence, Participant


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "pilot", "method", "deadline", "status")
    list_filter = ("status", "kind", "method")
    search_fields = ("code", "title")
    exclude = ("result",)


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "institution", "state", "ship_date", "measure_until")
    list_filter = ("state",)


@admin.register(CapabilityEvidence)
class CapabilityEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("institution", "campaign", "measurand", "En", "en_satisfactory")
    list_filter = ("en_satisfactory",)
