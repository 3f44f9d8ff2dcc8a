"""Plain frozen dataclasses for a calibration certificate, in and out of DCC XML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Text:
    """Text in one or more languages: ((lang, content), ...); lang may be "" for unmarked."""

    contents: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, zh: str | None = None, en: str | None = None, plain: str | None = None) -> Text:
        """Build from Chinese and/or English (or one unmarked) content."""
        pairs = [(lang, value) for lang, value in (("zh", zh), ("en", en)) if value]
        if plain:
            pairs.append(("", plain))
        return cls(tuple(pairs))

    def get(self, lang: str = "en") -> str:
        """The content in ``lang``, else the unmarked one, else the first."""
        for key, value in self.contents:
            if key == lang:
                return value
        for key, value in self.contents:
            if key == "":
                return value
        return self.contents[0][1] if self.contents else ""


@dataclass(frozen=True)
class Address:
    """Postal location (DCC locationType)."""

    city: str
    country_code: str
    street: str | None = None
    street_no: str | None = None
    post_code: str | None = None
    further: Text | None = None


@dataclass(frozen=True)
class Contact:
    """Laboratory, customer or manufacturer (DCC contactType)."""

    name: Text
    address: Address | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Identification:
    """An identification of an item or equipment (issuer: manufacturer, calibrationLaboratory,
    customer, owner or other)."""

    issuer: str
    value: str
    name: Text | None = None


@dataclass(frozen=True)
class Item:
    """The calibrated or verified instrument."""

    name: Text
    identifications: tuple[Identification, ...]
    manufacturer: Text | None = None
    model: str | None = None

    @property
    def serial_number(self) -> str | None:
        """The first manufacturer identification (the serial number by convention)."""
        for ident in self.identifications:
            if ident.issuer == "manufacturer":
                return ident.value
        return None


@dataclass(frozen=True)
class RespPerson:
    """A responsible person; ``role`` e.g. 检定员/verifier, 核验员/checker, 批准人/approver."""

    name: Text
    role: str | None = None
    main_signer: bool = False


@dataclass(frozen=True)
class ExpandedUncertainty:
    """U with its coverage factor and probability; ``deprecated_form`` when read from
    si:expandedUnc rather than si:measurementUncertaintyUnivariate/si:expandedMU."""

    value: Decimal
    coverage_factor: Decimal
    coverage_probability: Decimal
    distribution: str | None = None
    deprecated_form: bool = False


@dataclass(frozen=True)
class Quantity:
    """One real value with its D-SI unit and optional expanded uncertainty."""

    name: Text | None
    value: Decimal
    unit: str
    uncertainty: ExpandedUncertainty | None = None
    ref_type: str | None = None
    conformity: str | None = None


@dataclass(frozen=True)
class Conformity:
    """A statement of conformity for a result, with its acceptance limits."""

    statement: str  # pass, fail, conditionalPass, conditionalFail (DCC enumeration)
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None
    unit: str | None = None
    rule: Text | None = None


@dataclass(frozen=True)
class Result:
    """Results at one test point; ``state`` "asFound" or "asLeft" (before/after adjustment)."""

    name: Text
    quantities: tuple[Quantity, ...]
    state: str | None = None
    conformity: Conformity | None = None
    ref_type: str | None = None


@dataclass(frozen=True)
class MeasuringEquipment:
    """A standard used, with its own certificate number and the SHA-256 of that certificate."""

    name: Text
    certificate_number: str | None = None
    certificate_sha256: str | None = None
    certificate_issuer: Text | None = None
    manufacturer: Text | None = None
    model: str | None = None
    identifications: tuple[Identification, ...] = ()


@dataclass(frozen=True)
class InfluenceCondition:
    """An environmental condition during the work (temperature, humidity, ...)."""

    name: Text
    quantities: tuple[Quantity, ...]
    ref_type: str | None = None


@dataclass(frozen=True)
class Statement:
    """A statement of the administrative data (conformity, traceability, validity, ...)."""

    declaration: Text
    norm: str | None = None
    reference: str | None = None
    conformity: str | None = None
    ref_type: str | None = None


@dataclass(frozen=True)
class Method:
    """A method used: the regulation or specification followed."""

    name: Text
    norm: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Software:
    """Software with its release."""

    name: str
    release: str


@dataclass(frozen=True)
class Certificate:
    """What a DCC carries that the platform uses; the same shape for export and import."""

    number: str
    laboratory: Contact
    customer: Contact
    items: tuple[Item, ...]
    resp_persons: tuple[RespPerson, ...]
    begin_performance_date: dt.date
    end_performance_date: dt.date
    results: tuple[Result, ...]
    software: tuple[Software, ...] = (Software("jiliang", "0.1.0"),)
    country_code: str = "CN"
    used_languages: tuple[str, ...] = ("zh", "en")
    mandatory_languages: tuple[str, ...] = ("zh",)
    issue_date: dt.date | None = None
    receipt_date: dt.date | None = None
    performance_location: str = "laboratory"
    statements: tuple[Statement, ...] = ()
    methods: tuple[Method, ...] = ()
    used_software: tuple[Software, ...] = ()
    equipment: tuple[MeasuringEquipment, ...] = ()
    conditions: tuple[InfluenceCondition, ...] = ()
    measurement_name: Text = field(default_factory=lambda: Text.of(zh="测量结果", en="Results"))
    has_xml_signature: bool = False
