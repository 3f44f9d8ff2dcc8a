"""The example DCCs shipped in ../shared/schemas/dcc/examples (see its README)."""

from decimal import Decimal

import pytest

from jiliang.dcc import (
    DccParseError,
    DccSchemaError,
    DccSecurityError,
    consistency_issues,
    load_dcc,
    parse_dcc,
    parse_xml,
)

from .conftest import EXAMPLES, SCHEMA_DIR


@pytest.mark.parametrize("name", ["valid.xml", "valid_bom.xml", "valid_signature.xml"])
def test_valid_examples_import(name: str) -> None:
    cert = load_dcc(EXAMPLES / name, SCHEMA_DIR)
    # Values as printed in examples/valid.xml (dcclib 0.4.0 test resource).
    assert cert.number == "1234"
    assert cert.laboratory.name.get() == "Kalibrierfirma GmbH"
    assert cert.customer.name.get() == "Kunde GmbH"
    assert cert.begin_performance_date.isoformat() == "1957-08-13"
    assert cert.items[0].serial_number == "string-manufacturer-item"
    assert cert.items[0].model == "String"
    assert [p.name.get() for p in cert.resp_persons] == [
        "Michaela Musterfrau",
        "Michael Mustermann",
    ]
    assert cert.resp_persons[0].main_signer
    assert cert.methods[1].norm == "DKD-R 5-1:2018"
    assert cert.equipment[0].name.get("en") == "Pt 100 thermometer"
    errors = [q for q in cert.results[0].quantities if q.ref_type == "basic_measurementError"]
    assert [q.value for q in errors] == [
        Decimal(v) for v in ["0.072", "0.089", "0.107", "-0.009", "-0.084"]
    ]
    first = errors[0]
    assert first.unit == "\\kelvin" and first.conformity == "pass"
    assert first.uncertainty is not None and first.uncertainty.deprecated_form
    assert (first.uncertainty.value, first.uncertainty.coverage_factor) == (Decimal("0.061"), 2)
    assert first.uncertainty.coverage_probability == Decimal("0.95")
    conformity = [s for s in cert.statements if s.ref_type == "basic_conformity"]
    assert conformity[0].conformity == "pass"
    assert cert.has_xml_signature == (name == "valid_signature.xml")


def test_invalid_schema_example_is_rejected_with_the_validator_messages() -> None:
    # README: 2 errors: empty dcc:uniqueIdentifier (pattern), dcc:item without dcc:name.
    with pytest.raises(DccSchemaError) as info:
        load_dcc(EXAMPLES / "invalid" / "invalid_schema.xml", SCHEMA_DIR)
    issues = info.value.issues
    assert len(issues) == 2
    assert issues[0].path.endswith("dcc:coreData/dcc:uniqueIdentifier")
    assert "pattern" in issues[0].reason
    assert issues[1].path.endswith("dcc:items/dcc:item")
    assert "dcc:name" in issues[1].reason


def test_demo_cert_is_rejected_with_three_messages() -> None:
    # README: missing dcc:performanceLocation, item without dcc:identifications,
    # si:expandedMU directly in si:real.
    with pytest.raises(DccSchemaError) as info:
        load_dcc(EXAMPLES / "invalid" / "demo_cert.xml", SCHEMA_DIR)
    reasons = [issue.reason for issue in info.value.issues]
    assert len(reasons) == 3
    assert "dcc:performanceLocation" in reasons[0]
    assert "dcc:identifications" in reasons[1]
    assert "si:expandedMU" in reasons[2]
    assert "demo_cert.xml" in str(info.value)


def test_schematron_fixture_is_schema_valid_but_fails_our_language_rule() -> None:
    # README: schema-valid, but "en" is dropped from the used languages while it stays mandatory.
    data = (EXAMPLES / "invalid_schematron.xml").read_bytes()
    issues = consistency_issues(parse_xml(data))
    assert any(
        "mandatory language 'en' is not among the used languages" in i.reason for i in issues
    )
    with pytest.raises(DccSchemaError, match="mandatory language 'en'"):
        parse_dcc(data, "invalid_schematron.xml", SCHEMA_DIR)
    lenient = parse_dcc(data, "invalid_schematron.xml", SCHEMA_DIR, strict=False)
    assert lenient.number == "123"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<dcc:digitalCalibrationCertificate xmlns:dcc="https://ptb.de/dcc">&lol4;</dcc:digitalCalibrationCertificate>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(DccSecurityError, match="refused"):
        parse_dcc(BILLION_LAUGHS, "lolz.xml", SCHEMA_DIR)


def test_external_entity_is_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(DccSecurityError, match="refused"):
        parse_dcc(xxe, "xxe.xml", SCHEMA_DIR)


def test_malformed_xml_reports_line_and_column() -> None:
    with pytest.raises(DccParseError, match=r"broken.xml: line 2, column \d+"):
        parse_dcc(b"<a>\n<b></a>", "broken.xml", SCHEMA_DIR)


def test_current_list_form_expanded_mu_xml_list_is_read() -> None:
    # valid.xml's list uncertainty rewritten from the deprecated si:expandedUncXMLList into the
    # current si:measurementUncertaintyUnivariateXMLList/si:expandedMUXMLList (D-SI 2.2.1).
    text = (EXAMPLES / "valid.xml").read_text(encoding="utf-8")
    old = (
        "<si:expandedUncXMLList>\n"
        "                    <si:uncertaintyXMLList>0.061</si:uncertaintyXMLList>"
    )
    assert old in text
    text = text.replace(
        old,
        "<si:measurementUncertaintyUnivariateXMLList><si:expandedMUXMLList>\n"
        "                    <si:valueExpandedMUXMLList>0.061</si:valueExpandedMUXMLList>",
    ).replace(
        "</si:expandedUncXMLList>",
        "</si:expandedMUXMLList></si:measurementUncertaintyUnivariateXMLList>",
    )
    cert = parse_dcc(text.encode("utf-8"), "current-list-form", SCHEMA_DIR)
    errors = [q for q in cert.results[0].quantities if q.ref_type == "basic_measurementError"]
    assert len(errors) == 5
    for quantity in errors:
        assert quantity.uncertainty is not None
        assert not quantity.uncertainty.deprecated_form
        assert quantity.uncertainty.value == Decimal("0.061")
        assert quantity.uncertainty.coverage_factor == 2
