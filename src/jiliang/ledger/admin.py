"""Admin: the log is read-only here too (the schema would refuse changes anyway)."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.ledger.models import LogEntry, PublishedKey, SignedCheckpoint, WitnessedLog


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["leaf_index", "record_type", "subject", "created"]
    list_filter = ["record_type"]
    search_fields = ["subject"]


@admin.register(SignedCheckpoint)
class SignedCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "size", "created"]


@admin.register(PublishedKey)
class PublishedKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Retiring a key (rotation) is the one edit allowed: status and retired_at."""

    list_display = ["vkey", "role", "status", "since", "retired_at"]
    readonly_fields = ["vkey", "role", "since"]


@admin.register(WitnessedLog)
class WitnessedLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["origin", "latest_size", "updated"]
    readonly_fields = ["latest_size", "latest_root", "latest_note", "updated"]
