"""Django admin for the registry. Certificates are read-only: issued records never change
(an amendment is a new certificate), so the admin can show them but not edit or delete."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.registry.due_count_models import DueDayCount
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Certificate,
    CertificateStandard,
    ExaminationCertificate,
    Institution,
    Instrument,
    LabAccess,
    LabCustomer,
    MeasurementStandard,
    Person,
    Quantity,
    ReferenceMaterial,
    SchemeLevel,
    VerificationScheme,
)
from jiliang.registry.record_models import StateChange


class AuthorisationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Authorisation
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_zh", "name_en", "kind", "division_code", "uscc")
    list_filter = ("kind",)
    search_fields = ("name_zh", "name_en", "uscc")
    inlines = [AuthorisationInline]


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("certificate_number", "institution", "form", "valid_from", "valid_until")
    list_filter = ("form",)
    search_fields = ("certificate_number", "institution__name_zh")
    raw_id_fields = ("institution",)


@admin.register(Quantity)
class QuantityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en", "unit")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "registration_number", "level", "institution", "valid_until")
    list_filter = ("level",)
    search_fields = ("name", "registration_number")
    raw_id_fields = ("institution", "user")


class ExaminationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ExaminationCertificate
    extra = 0


@admin.register(MeasurementStandard)
class MeasurementStandardAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "institution", "quantity", "status")
    list_filter = ("kind", "status", "quantity")
    search_fields = ("code", "name")
    raw_id_fields = ("institution",)
    inlines = [ExaminationInline]


@admin.register(ExaminationCertificate)
class ExaminationCertificateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "standard", "issued_on", "valid_until", "revoked_on")
    search_fields = ("number", "standard__code")
    raw_id_fields = ("standard",)


@admin.register(ReferenceMaterial)
class ReferenceMaterialAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("gbw_number", "name", "grade", "producer", "expiry")
    list_filter = ("grade",)
    search_fields = ("gbw_number", "name")
    raw_id_fields = ("producer",)


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "name_zh", "supervision", "verification_form", "confirmed")
    list_filter = ("confirmed", "supervision")
    search_fields = ("number", "name_zh", "name_en")


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "serial_number", "owner", "category", "use_area", "status")
    list_filter = ("status", "use_area", "category")
    search_fields = ("name", "serial_number", "maker", "model")
    raw_id_fields = ("owner", "part_of_standard")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """View only: the model itself refuses updates and deletes."""

    list_display = ("number", "kind", "issuer", "instrument", "calibration_date", "conclusion")
    list_filter = ("kind", "conclusion")
    search_fields = ("number", "regulation", "instrument__serial_number")
    date_hierarchy = "calibration_date"


@admin.register(LabCustomer)
class LabCustomerAdmin(ReadOnlyAdmin):
    """Customer relations: decided by the owner through registry.customers; view only."""

    list_display = ("lab", "owner", "status", "origin", "all_instruments", "created_at")
    list_filter = ("status", "origin")
    raw_id_fields = ("lab", "owner", "created_by", "accepted_by", "ended_by")


@admin.register(LabAccess)
class LabAccessAdmin(ReadOnlyAdmin):
    """Instruments a laboratory worked on or was given (registry.customers); view only."""

    list_display = ("lab", "instrument", "reason")
    list_filter = ("reason",)
    raw_id_fields = ("lab", "instrument")


@admin.register(CertificateStandard)
class CertificateStandardAdmin(ReadOnlyAdmin):
    """The standards used for certificates; view only, like the certificates themselves."""

    list_display = ("certificate", "measurementstandard", "instrument")
    raw_id_fields = ("certificate", "measurementstandard", "instrument")
    search_fields = ("certificate__number", "measurementstandard__code")


class SchemeLevelInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SchemeLevel
    extra = 0


@admin.register(VerificationScheme)
class VerificationSchemeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "title_zh", "quantity", "data_version")
    inlines = [SchemeLevelInline]


@admin.register(SchemeLevel)
class SchemeLevelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("scheme", "order", "name_zh", "accuracy")
    list_filter = ("scheme",)


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdmin):
    """Changes of an instrument's state (retire, scrap, lost, transfer): append-only, made
    through registry.state_changes which records who and why; view only."""

    list_display = ("instrument", "state", "from_status", "to_status", "on", "user", "time")
    list_filter = ("state", "to_status")
    search_fields = ("instrument__serial_number", "reason")
    raw_id_fields = ("instrument", "from_owner", "to_owner", "user")


@admin.register(DueDayCount)
class DueDayCountAdmin(ReadOnlyAdmin):
    """Instruments per division, status and due day, kept by database triggers (migration
    0013): shown to check them, never edited by hand (`jiliang refresh-due` rebuilds them)."""

    list_display = ("division_code", "status", "due", "n")
    list_filter = ("status",)
    search_fields = ("division_code",)
