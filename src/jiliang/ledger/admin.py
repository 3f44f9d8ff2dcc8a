"""Admin: the log is read-only here too (the schema would refuse changes anyway)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from jiliang.ledger.models import LogEntry, PublishedKey, SignedCheckpoint, WitnessedLog


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnly):
    list_display = ["leaf_index", "record_type", "subject", "created"]
    list_filter = ["record_type"]
    search_fields = ["subject"]


@admin.register(SignedCheckpoint)
class SignedCheckpointAdmin(ReadOnly):
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
