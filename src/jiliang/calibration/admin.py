"""Admin: read-mostly views of the calibration records (signatures and files are append-only)."""

from django.contrib import admin

from jiliang.calibration.models import (
    IssuedDocument,
    Job,
    NumberSeries,
    Observation,
    ProcedureRecord,
    Recall,
    RecallItem,
    SignatureEvent,
)


@admin.register(ProcedureRecord)
class ProcedureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "title_zh", "kind", "institution", "origin")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("receipt_number", "lab", "instrument", "procedure", "status", "certificate")
    list_filter = ("status",)


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("institution", "institution_code", "pattern", "period", "last_seq")
    readonly_fields = ("last_seq",)


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("job", "label", "state", "error", "expanded_uncertainty", "statement")


@admin.register(SignatureEvent)
class SignatureEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("job", "step", "action", "person", "at", "round")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("certificate", "format", "sha256", "created_at")
    exclude = ("content",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class RecallItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RecallItem
    extra = 0


@admin.register(Recall)
class RecallAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("pk", "lab", "standard", "nonconforming_since", "closed_at")
    inlines = [RecallItemInline]
