"""jiliang.taximeter: meter-side electronic seal for networked taximeters (pure core).

Legally relevant parameters with a canonical hash, tariff packages signed by the
regulator (C2SP signed notes, Ed25519), a Meter that accepts only authentic, addressed,
newer and effective packages and keeps a non-resettable event logger, and fleet helpers.
"""

from __future__ import annotations

from jiliang.taximeter._errors import PackageError, ParameterError, ReadoutRefused, TaximeterError
from jiliang.taximeter._fleet import FleetResult, apply_to_fleet, make_fleet, seal_discrepancies
from jiliang.taximeter._meter import (
    READOUT_HEADER,
    Decision,
    EventEntry,
    Meter,
    MeterReport,
    OfferResult,
    ParameterChange,
    readout_request,
)
from jiliang.taximeter._package import (
    PACKAGE_RECORD_TYPE,
    PACKAGE_SCHEMA_VERSION,
    Scope,
    TariffPackage,
    format_time,
    open_package,
    parse_time,
    sign_package,
)
from jiliang.taximeter._params import PARAMETER_NAMES, TariffParameters

__all__ = [
    "PACKAGE_RECORD_TYPE",
    "PACKAGE_SCHEMA_VERSION",
    "PARAMETER_NAMES",
    "READOUT_HEADER",
    "Decision",
    "EventEntry",
    "FleetResult",
    "Meter",
    "MeterReport",
    "OfferResult",
    "PackageError",
    "ParameterChange",
    "ParameterError",
    "ReadoutRefused",
    "Scope",
    "TariffPackage",
    "TariffParameters",
    "TaximeterError",
    "apply_to_fleet",
    "format_time",
    "make_fleet",
    "open_package",
    "parse_time",
    "readout_request",
    "seal_discrepancies",
    "sign_package",
]
