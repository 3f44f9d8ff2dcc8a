"""DCC 3.3.0 export validates, and export -> import keeps every value."""

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest
import xmlschema

from jiliang.dcc import (
    REF_AS_FOUND,
    Certificate,
    DccError,
    DccSchemaError,
    MeasuringEquipment,
    Text,
    parse_dcc,
    to_xml,
)

from .conftest import SCHEMA_DIR


def test_export_is_valid_against_the_xsd(certificate: Certificate) -> None:
    xml = to_xml(certificate, SCHEMA_DIR)
    # Independent check with xmlschema directly, not through our helper.
    schema = xmlschema.XMLSchema(str(SCHEMA_DIR / "dcc.xsd"), allow="local")
    schema.validate(xml.decode("utf-8"), use_location_hints=False)
    text = xml.decode("utf-8")
    assert "<si:measurementUncertaintyUnivariate>" in text and "<si:expandedMU>" in text
    assert "<si:expandedUnc>" not in text
    assert f'refType="{REF_AS_FOUND}"' in text
    assert "<dcc:countryCodeISO3166_1>CN</dcc:countryCodeISO3166_1>" in text
    assert "<dcc:procedure>SHA-256</dcc:procedure>" in text


def test_round_trip_preserves_values(certificate: Certificate) -> None:
    back = parse_dcc(to_xml(certificate, SCHEMA_DIR), "export", SCHEMA_DIR)
    assert back.number == certificate.number
    assert back.items == certificate.items
    assert back.resp_persons == certificate.resp_persons
    assert back.laboratory == certificate.laboratory
    assert back.customer == certificate.customer
    assert back.statements == certificate.statements
    assert back.methods == certificate.methods
    assert back.equipment == certificate.equipment
    assert back.conditions == certificate.conditions
    assert back.results == certificate.results
    assert (back.begin_performance_date, back.end_performance_date, back.issue_date) == (
        certificate.begin_performance_date,
        certificate.end_performance_date,
        certificate.issue_date,
    )
    assert back.used_languages == ("zh", "en") and back.mandatory_languages == ("zh",)
    assert back == certificate


def test_as_found_and_as_left_are_separate_results(certificate: Certificate) -> None:
    back = parse_dcc(to_xml(certificate, SCHEMA_DIR), "export", SCHEMA_DIR)
    found, left = back.results
    assert (found.state, left.state) == ("asFound", "asLeft")
    assert found.conformity is not None and found.conformity.statement == "fail"
    assert left.conformity is not None and left.conformity.statement == "pass"
    error = left.quantities[2]
    assert (error.value, error.unit) == (Decimal("1.0"), "\\gram")
    assert error.uncertainty is not None
    assert (error.uncertainty.value, error.uncertainty.coverage_factor) == (Decimal("1.2"), 2)
    assert error.uncertainty.coverage_probability == Decimal("0.95")
    assert not error.uncertainty.deprecated_form


def test_deprecated_expanded_unc_is_read(certificate: Certificate) -> None:
    # Rewrite our current-form uncertainty into the deprecated D-SI si:expandedUnc form.
    text = to_xml(certificate, SCHEMA_DIR).decode("utf-8")
    text = re.sub(
        r"<si:measurementUncertaintyUnivariate>\s*<si:expandedMU>\s*"
        r"<si:valueExpandedMU>([^<]*)</si:valueExpandedMU>(.*?)</si:expandedMU>\s*"
        r"</si:measurementUncertaintyUnivariate>",
        r"<si:expandedUnc><si:uncertainty>\1</si:uncertainty>\2</si:expandedUnc>",
        text,
        flags=re.S,
    )
    assert "<si:expandedUnc>" in text
    back = parse_dcc(text.encode("utf-8"), "deprecated", SCHEMA_DIR)
    error = back.results[0].quantities[2]
    assert error.uncertainty is not None and error.uncertainty.deprecated_form
    assert error.uncertainty.value == Decimal("1.2")


def test_export_refuses_what_the_schema_or_we_cannot_represent(
    certificate: Certificate,
) -> None:
    bad_hash = MeasuringEquipment(Text.of(en="weights"), "C-1", "abc")
    with pytest.raises(DccError, match=r"equipment\[0\].certificate_sha256: not a hex SHA-256"):
        to_xml(dataclasses.replace(certificate, equipment=(bad_hash,)), SCHEMA_DIR)
    with pytest.raises(DccSchemaError) as info:
        to_xml(dataclasses.replace(certificate, country_code="China"), SCHEMA_DIR)
    assert "dcc:countryCodeISO3166_1" in str(info.value)
    early = dataclasses.replace(certificate, end_performance_date=dt.date(2026, 11, 19))
    with pytest.raises(DccError, match="end_performance_date: 2026-11-19 is before"):
        to_xml(early, SCHEMA_DIR)
    with pytest.raises(DccError, match="results: a DCC needs at least one result"):
        to_xml(dataclasses.replace(certificate, results=()), SCHEMA_DIR)
