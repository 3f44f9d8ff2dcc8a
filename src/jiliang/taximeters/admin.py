"""Admin for the taximeter registry (packages are signed through services, never here)."""

from __future__ import annotations

from django.contrib import admin

from jiliang.taximeters.models import Campaign, RegulatorKey, SealAlert, TariffPackage, TaxiMeter


@admin.register(TaxiMeter)
class TaxiMeterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["vehicle_plate", "meter_serial", "fleet", "authorised_version", "seal_intact"]
    search_fields = ["vehicle_plate", "meter_serial"]
    readonly_fields = [
        "parameters",
        "parameter_hash",
        "authorised_version",
        "authorised_changes",
        "reported_version",
        "reported_hash",
        "reported_counter",
        "reported_at",
        "seal_intact",
    ]


@admin.register(TariffPackage)
class TariffPackageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["regulator", "version", "scope_kind", "scope_id", "effective_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.register(RegulatorKey)
admin.site.register(Campaign)
admin.site.register(SealAlert)
