"""Admin for meter lots: read-only; the workflow (draw, results, decision, approval) goes
through services.py so that every step is checked and recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiliang.lots.models import Lot, MeterRecord, SampleItem


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lot)
class LotAdmin(_ReadOnly):
    list_display = ("code", "owner", "maker", "model", "size", "state", "decision")
    list_filter = ("state", "decision")
    search_fields = ("code", "production_batch")


@admin.register(SampleItem)
class SampleItemAdmin(_ReadOnly):
    list_display = ("lot", "position", "instrument", "result")
    list_filter = ("result",)


@admin.register(MeterRecord)
class MeterRecordAdmin(_ReadOnly):
    list_display = ("instrument", "production_batch", "installed_on")
    search_fields = ("production_batch", "instrument__serial_number")
    raw_id_fields = ("instrument",)
