"""Pin the public API of jiliang.taximeter."""

from __future__ import annotations

import jiliang.taximeter as taximeter

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(taximeter.__all__) == EXPECTED
    for name in taximeter.__all__:
        assert hasattr(taximeter, name), name
    public = {n for n in dir(taximeter) if not n.startswith("_")}
    assert public - set(taximeter.__all__) <= {"annotations"}
