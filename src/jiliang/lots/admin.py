"""Admin for meter lots: read-only; the workflow (draw, results, decision, approval) goes
through services.py so that every step is checked and recorded."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.lots.models import Lot, MeterRecord, SampleItem


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("code", "owner", "maker", "model", "size", "state", "decision")
    list_filter = ("state", "decision")
    search_fields = ("code", "production_batch")


@admin.register(SampleItem)
class SampleItemAdmin(ReadOnlyAdmin):
    list_display = ("lot", "position", "instrument", "result")
    list_filter = ("result",)


@admin.register(MeterRecord)
class MeterRecordAdmin(ReadOnlyAdmin):
    list_display = ("instrument", "production_batch", "installed_on")
    search_fields = ("production_batch", "instrument__serial_number")
    raw_id_fields = ("instrument",)
