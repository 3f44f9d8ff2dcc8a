"""API schemas (django-ninja). One schema per model, beside the model."""

from __future__ import annotations

import datetime as dt

from ninja import Field, ModelSchema, Schema

from jiliang.bounds import IsoDate
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
    SchemeLevel,
    VerificationScheme,
)


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, object]] = Field(default_factory=list)


class ImportOut(Schema):
    kind: str
    created: int
    ids: list[int]


class AuthorisationOut(ModelSchema):
    class Meta:
        model = Authorisation
        fields = ["id", "form", "scope", "certificate_number", "valid_from", "valid_until"]


class InstitutionOut(ModelSchema):
    authorisations: list[AuthorisationOut]

    class Meta:
        model = Institution
        fields = [
            "id",
            "name_zh",
            "name_en",
            "kind",
            "centre_state",
            "division_code",
            "uscc",
            "address",
        ]


class PersonOut(ModelSchema):
    registration_scope: list[str]  # JSON lists: ninja would declare a JSONField an object
    roles: list[str]

    class Meta:
        model = Person
        fields = [
            "id",
            "institution",
            "name",
            "registration_number",
            "level",
            "registration_scope",
            "valid_from",
            "valid_until",
            "roles",
        ]


class ExaminationOut(ModelSchema):
    reexamination_reminder: dt.date | None = None

    class Meta:
        model = ExaminationCertificate
        fields = ["id", "number", "issued_on", "valid_until", "revoked_on"]


class StandardOut(ModelSchema):
    quantity: str = Field(..., alias="quantity.code")
    examination_certificates: list[ExaminationOut]

    class Meta:
        model = MeasurementStandard
        fields = [
            "id",
            "institution",
            "name",
            "kind",
            "code",
            "range_min",
            "range_max",
            "unit",
            "expanded_uncertainty",
            "uncertainty_is_relative",
            "accuracy_class",
            "mpe",
            "status",
            "nonconforming_since",
            "external_nmi",
            "cmc_reference",
        ]


class MaterialOut(ModelSchema):
    class Meta:
        model = ReferenceMaterial
        fields = [
            "id",
            "gbw_number",
            "grade",
            "name",
            "producer",
            "certified_value",
            "unit",
            "expanded_uncertainty",
            "coverage_factor",
            "expiry",
        ]


class CatalogueOut(ModelSchema):
    mandatory_use_areas: list[str]  # a JSON list: ninja would declare a JSONField an object

    class Meta:
        model = CatalogueItem
        fields = [
            "id",
            "number",
            "name_zh",
            "name_en",
            "supervision",
            "verification_form",
            "mandatory_use_areas",
            "confirmed",
            "note",
            "source",
            "data_version",
        ]


class InstrumentOut(ModelSchema):
    class Meta:
        model = Instrument
        fields = [
            "id",
            "owner",
            "name",
            "category",
            "quantity",
            "use_area",
            "location",
            "division_code",
            "serial_number",
            "maker",
            "model",
            "cpa_mark",
            "range_min",
            "range_max",
            "unit",
            "accuracy_class",
            "mpe",
            "status",
            "part_of_standard",
            "interval_days",
        ]


class MandatoryOut(Schema):
    mandatory: bool
    form: str
    reason: str


class InstrumentDetailOut(InstrumentOut):
    mandatory_verification: MandatoryOut
    due_date: dt.date | None


class InstrumentIn(Schema):
    owner_uscc: str
    name: str
    serial_number: str
    division_code: str
    category: str = ""
    quantity: str = ""
    use_area: str = "other"
    location: str = ""
    maker: str = ""
    model: str = ""
    cpa_mark: str = ""
    range_min: float | None = None
    range_max: float | None = None
    unit: str = ""
    accuracy_class: str = ""
    mpe: float | None = None
    part_of_standard: str = ""


class CertificateOut(ModelSchema):
    standards_used: list[str]
    materials_used: list[str]
    xml_signature: dict[str, str] | None = None

    @staticmethod
    def resolve_standards_used(obj: Certificate) -> list[str]:
        return [s.code for s in obj.standards_used.all()]

    @staticmethod
    def resolve_xml_signature(obj: Certificate) -> dict[str, str] | None:
        """XML-DSig of an imported DCC as the calibration app's import recorded it (the
        reverse one-to-one ``dcc_signature``; no import of that app): state valid, untrusted,
        invalid or absent, with the signer; None for a certificate not imported from a DCC."""
        signature = getattr(obj, "dcc_signature", None)
        if signature is None:
            return None
        return {
            "state": signature.state,
            "label": signature.get_state_display(),
            "signer_subject": signature.signer_subject,
            "key_fingerprint": signature.key_fingerprint,
            "reason": signature.reason,
        }

    @staticmethod
    def resolve_materials_used(obj: Certificate) -> list[str]:
        return [m.gbw_number for m in obj.materials_used.all()]

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "kind",
            "issuer",
            "external_issuer",
            "cmc_reference",
            "instrument",
            "regulation",
            "calibration_date",
            "issued_on",
            "valid_until",
            "conclusion",
            "accuracy_class",
            "verifier",
            "checker",
            "approver",
            "amends",
            "amendment",
        ]


class SchemeLevelOut(ModelSchema):
    class Meta:
        model = SchemeLevel
        fields = ["order", "name_zh", "name_en", "accuracy", "transfer_method", "details"]


class SchemeOut(ModelSchema):
    levels: list[SchemeLevelOut]

    class Meta:
        model = VerificationScheme
        fields = ["id", "code", "title_zh", "title_en", "source", "data_version"]


class DueOut(Schema):
    instrument_id: int
    name: str
    serial_number: str
    owner: str
    division_code: str
    due: dt.date | None
    state: str


class TraceDownOut(Schema):
    standards: list[int]
    levels: list[dict[str, int]]
    certificate_count: int
    instrument_count: int
    certificate_count_more: bool = Field(
        False,
        description="true: more than certificate_count are visible to you (a restricted "
        "user's count stops at 10,000; an administrator's is exact)",
    )
    instrument_count_more: bool = Field(False, description="as certificate_count_more")
    certificates: list[str] = Field(
        description="numbers of the first `limit` dependent certificates, latest calibration first"
    )
    instruments: list[int] = Field(description="ids of the first `limit` dependent instruments")


class ImpactRowOut(Schema):
    certificate: str
    issued_on: dt.date
    calibration_date: dt.date
    instrument: str
    serial_number: str
    customer: str
    customer_id: int
    via_standard: str


class ImpactOut(Schema):
    standard: str
    nonconforming_on: dt.date
    last_good_calibration: dt.date | None
    certificates: list[ImpactRowOut]
    customers: list[str]


class ChangeOut(Schema):
    time: dt.datetime
    user: str | None
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    source: str = ""  # for a row created by an import: the file and its row


class AmendmentIn(Schema):
    """An amendment 更正/替代 of a certificate. Fields left out are copied from the original;
    a signatory is a registration number (null or "" removes that signature)."""

    number: str = Field(max_length=60)
    amendment: str = "amends"
    kind: str | None = None
    regulation: str | None = Field(None, max_length=40)
    calibration_date: IsoDate | None = None
    issued_on: IsoDate | None = None
    valid_until: IsoDate | None = None
    conclusion: str | None = None
    accuracy_class: str | None = Field(None, max_length=20)
    verifier: str | None = Field(None, max_length=40)
    checker: str | None = Field(None, max_length=40)
    approver: str | None = Field(None, max_length=40)
