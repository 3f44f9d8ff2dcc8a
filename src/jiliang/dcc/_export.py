"""Certificate dataclass -> DCC 3.3.0 XML (built with ElementTree; parsing is never done here)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET  # building only; parsing uses defusedxml

from jiliang.dcc._errors import DccError, DccSchemaError
from jiliang.dcc._model import (
    Address,
    Certificate,
    Conformity,
    Contact,
    ExpandedUncertainty,
    Identification,
    InfluenceCondition,
    MeasuringEquipment,
    Quantity,
    Result,
    Software,
    Text,
)
from jiliang.dcc._schema import DCC_NS, SI_NS, schema_issues

ET.register_namespace("dcc", DCC_NS)
ET.register_namespace("si", SI_NS)

# refType values this package writes for as-found / as-left results and test-point lists.
# "basic_*" are PTB's shared refTypes; "jiliang_*" are ours (documented in docs/dcc.md).
REF_AS_FOUND = "jiliang_asFound"
REF_AS_LEFT = "jiliang_asLeft"
_STATES = {"asFound": REF_AS_FOUND, "asLeft": REF_AS_LEFT}


def _d(tag: str) -> str:
    return f"{{{DCC_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{SI_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _number(value: Decimal, field: str) -> str:
    if not value.is_finite():
        raise DccError(f"{field}: {value} is not a finite number")
    return format(value, "f")


def _text(parent: ET.Element, tag: str, text: Text, field: str) -> ET.Element:
    if not text.contents:
        raise DccError(f"{field}: a text needs at least one content")
    element = _sub(parent, _d(tag))
    for lang, content in text.contents:
        if lang:
            _sub(element, _d("content"), content, lang=lang)
        else:
            _sub(element, _d("content"), content)
    return element


def _address(parent: ET.Element, address: Address) -> None:
    location = _sub(parent, _d("location"))
    _sub(location, _d("city"), address.city)
    _sub(location, _d("countryCode"), address.country_code)
    if address.post_code:
        _sub(location, _d("postCode"), address.post_code)
    if address.street:
        _sub(location, _d("street"), address.street)
    if address.street_no:
        _sub(location, _d("streetNo"), address.street_no)
    if address.further is not None:
        _text(location, "further", address.further, "address.further")


def _contact(parent: ET.Element, tag: str, contact: Contact, field: str, strict: bool) -> None:
    element = _sub(parent, _d(tag))
    _text(element, "name", contact.name, f"{field}.name")
    if contact.email:
        _sub(element, _d("eMail"), contact.email)
    if contact.phone:
        _sub(element, _d("phone"), contact.phone)
    if contact.address is not None:
        _address(element, contact.address)
    elif strict:
        raise DccError(f"{field}.address: required (DCC contactType needs a location)")


def _identifications(parent: ET.Element, identifications: tuple[Identification, ...]) -> None:
    element = _sub(parent, _d("identifications"))
    for ident in identifications:
        child = _sub(element, _d("identification"))
        _sub(child, _d("issuer"), ident.issuer)
        _sub(child, _d("value"), ident.value)
        if ident.name is not None:
            _text(child, "name", ident.name, "identification.name")


def _software_list(parent: ET.Element, tag: str, software: tuple[Software, ...]) -> None:
    element = _sub(parent, _d(tag))
    for entry in software:
        child = _sub(element, _d("software"))
        _text(child, "name", Text((("", entry.name),)), "software.name")
        _sub(child, _d("release"), entry.release)


def _uncertainty(real: ET.Element, u: ExpandedUncertainty, field: str) -> None:
    mu = _sub(real, _s("measurementUncertaintyUnivariate"))
    expanded = _sub(mu, _s("expandedMU"))
    if u.value < 0:
        raise DccError(f"{field}: expanded uncertainty must not be negative")
    if u.coverage_factor < 1:
        raise DccError(f"{field}: coverage factor must be >= 1 (D-SI kValueType)")
    if not 0 <= u.coverage_probability <= 1:
        raise DccError(f"{field}: coverage probability must be within [0, 1]")
    _sub(expanded, _s("valueExpandedMU"), _number(u.value, field))
    _sub(expanded, _s("coverageFactor"), _number(u.coverage_factor, field))
    _sub(expanded, _s("coverageProbability"), _number(u.coverage_probability, field))
    if u.distribution:
        _sub(expanded, _s("distribution"), u.distribution)


def _quantity(parent: ET.Element, quantity: Quantity, field: str) -> ET.Element:
    attrs = {"refType": quantity.ref_type} if quantity.ref_type else {}
    element = _sub(parent, _d("quantity"), **attrs)
    if quantity.name is not None:
        _text(element, "name", quantity.name, f"{field}.name")
    real = _sub(element, _s("real"))
    _sub(real, _s("value"), _number(quantity.value, f"{field}.value"))
    _sub(real, _s("unit"), quantity.unit)
    if quantity.uncertainty is not None:
        _uncertainty(real, quantity.uncertainty, f"{field}.uncertainty")
    if quantity.conformity is not None:
        meta = _sub(
            _sub(element, _d("measurementMetaData")), _d("metaData"), refType="basic_conformity"
        )
        _sub(meta, _d("conformity"), quantity.conformity)
    return element


def _conformity(parent: ET.Element, conformity: Conformity, field: str) -> None:
    meta = _sub(_sub(parent, _d("measurementMetaData")), _d("metaData"), refType="basic_conformity")
    if conformity.rule is not None:
        _text(meta, "declaration", conformity.rule, f"{field}.rule")
    _sub(meta, _d("conformity"), conformity.statement)
    limits = [
        (conformity.lower_limit, "basic_acceptanceLimitLower", "下限", "Lower acceptance limit"),
        (conformity.upper_limit, "basic_acceptanceLimitUpper", "上限", "Upper acceptance limit"),
    ]
    present = [entry for entry in limits if entry[0] is not None]
    if present:
        if not conformity.unit:
            raise DccError(f"{field}.unit: acceptance limits need a unit")
        data = _sub(meta, _d("data"))
        for value, ref, zh, en in present:
            assert value is not None
            limit = Quantity(Text.of(zh=zh, en=en), value, conformity.unit, ref_type=ref)
            _quantity(data, limit, f"{field}.limit")


def _result(parent: ET.Element, result: Result, field: str) -> None:
    refs = [r for r in (result.ref_type, _STATES.get(result.state or "")) if r]
    if result.state is not None and result.state not in _STATES:
        raise DccError(f"{field}.state: must be 'asFound' or 'asLeft', got {result.state!r}")
    attrs = {"refType": " ".join(refs)} if refs else {}
    element = _sub(parent, _d("result"), **attrs)
    _text(element, "name", result.name, f"{field}.name")
    data = _sub(element, _d("data"))
    if not result.quantities:
        raise DccError(f"{field}.quantities: a result needs at least one quantity")
    listing = _sub(data, _d("list"), refType="jiliang_testPoint")
    for i, quantity in enumerate(result.quantities):
        _quantity(listing, quantity, f"{field}.quantities[{i}]")
    if result.conformity is not None:
        _conformity(listing, result.conformity, f"{field}.conformity")


def _equipment(parent: ET.Element, equipment: MeasuringEquipment, field: str) -> None:
    element = _sub(parent, _d("measuringEquipment"), refType="basic_normalUsed")
    _text(element, "name", equipment.name, f"{field}.name")
    if equipment.certificate_number or equipment.certificate_sha256:
        if not (equipment.certificate_number and equipment.certificate_sha256):
            raise DccError(f"{field}: give both the certificate number and its SHA-256")
        digest = equipment.certificate_sha256.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise DccError(f"{field}.certificate_sha256: not a hex SHA-256 digest")
        cert = _sub(element, _d("certificate"))
        issuer = equipment.certificate_issuer or Text.of(en="calibration certificate")
        _text(cert, "referral", issuer, f"{field}.certificate_issuer")
        _sub(cert, _d("referralID"), equipment.certificate_number)
        _sub(cert, _d("procedure"), "SHA-256")
        _sub(cert, _d("value"), digest)
    if equipment.manufacturer is not None:
        _text(
            _sub(element, _d("manufacturer")),
            "name",
            equipment.manufacturer,
            f"{field}.manufacturer",
        )
    if equipment.model:
        _sub(element, _d("model"), equipment.model)
    if equipment.identifications:
        _identifications(element, equipment.identifications)


def _condition(parent: ET.Element, condition: InfluenceCondition, field: str) -> None:
    attrs = {"refType": condition.ref_type} if condition.ref_type else {}
    element = _sub(parent, _d("influenceCondition"), **attrs)
    _text(element, "name", condition.name, f"{field}.name")
    data = _sub(element, _d("data"))
    for i, quantity in enumerate(condition.quantities):
        _quantity(data, quantity, f"{field}.quantities[{i}]")


def to_element(cert: Certificate) -> ET.Element:
    """Build the DCC element tree (not yet validated)."""
    if cert.end_performance_date < cert.begin_performance_date:
        raise DccError(
            f"end_performance_date: {cert.end_performance_date} is before the begin date "
            f"{cert.begin_performance_date}"
        )
    root = ET.Element(_d("digitalCalibrationCertificate"), {"schemaVersion": "3.3.0"})
    admin = _sub(root, _d("administrativeData"))
    _software_list(admin, "dccSoftware", cert.software)
    core = _sub(admin, _d("coreData"))
    _sub(core, _d("countryCodeISO3166_1"), cert.country_code)
    for lang in cert.used_languages:
        _sub(core, _d("usedLangCodeISO639_1"), lang)
    for lang in cert.mandatory_languages:
        _sub(core, _d("mandatoryLangCodeISO639_1"), lang)
    _sub(core, _d("uniqueIdentifier"), cert.number)
    if cert.receipt_date is not None:
        _sub(core, _d("receiptDate"), cert.receipt_date.isoformat())
    _sub(core, _d("beginPerformanceDate"), cert.begin_performance_date.isoformat())
    _sub(core, _d("endPerformanceDate"), cert.end_performance_date.isoformat())
    _sub(core, _d("performanceLocation"), cert.performance_location)
    if cert.issue_date is not None:
        _sub(core, _d("issueDate"), cert.issue_date.isoformat())
    items = _sub(admin, _d("items"))
    for i, item in enumerate(cert.items):
        element = _sub(items, _d("item"))
        _text(element, "name", item.name, f"items[{i}].name")
        if item.manufacturer is not None:
            _text(
                _sub(element, _d("manufacturer")),
                "name",
                item.manufacturer,
                f"items[{i}].manufacturer",
            )
        if item.model:
            _sub(element, _d("model"), item.model)
        if not item.identifications:
            raise DccError(f"items[{i}].identifications: at least one (e.g. the serial number)")
        _identifications(element, item.identifications)
    lab = _sub(admin, _d("calibrationLaboratory"))
    _contact(lab, "contact", cert.laboratory, "laboratory", strict=True)
    persons = _sub(admin, _d("respPersons"))
    for i, person in enumerate(cert.resp_persons):
        element = _sub(persons, _d("respPerson"))
        _text(_sub(element, _d("person")), "name", person.name, f"resp_persons[{i}].name")
        if person.role:
            _sub(element, _d("role"), person.role)
        if person.main_signer:
            _sub(element, _d("mainSigner"), "true")
    _contact(admin, "customer", cert.customer, "customer", strict=True)
    if cert.statements:
        statements = _sub(admin, _d("statements"))
        for i, statement in enumerate(cert.statements):
            attrs = {"refType": statement.ref_type} if statement.ref_type else {}
            element = _sub(statements, _d("statement"), **attrs)
            if statement.norm:
                _sub(element, _d("norm"), statement.norm)
            if statement.reference:
                _sub(element, _d("reference"), statement.reference)
            _text(element, "declaration", statement.declaration, f"statements[{i}].declaration")
            if statement.conformity:
                _sub(element, _d("conformity"), statement.conformity)
    results = _sub(root, _d("measurementResults"))
    measurement = _sub(results, _d("measurementResult"))
    _text(measurement, "name", cert.measurement_name, "measurement_name")
    if cert.methods:
        methods = _sub(measurement, _d("usedMethods"))
        for i, method in enumerate(cert.methods):
            element = _sub(methods, _d("usedMethod"))
            _text(element, "name", method.name, f"methods[{i}].name")
            if method.norm:
                _sub(element, _d("norm"), method.norm)
            if method.reference:
                _sub(element, _d("reference"), method.reference)
    if cert.used_software:
        _software_list(measurement, "usedSoftware", cert.used_software)
    if cert.equipment:
        equipment = _sub(measurement, _d("measuringEquipments"))
        for i, entry in enumerate(cert.equipment):
            _equipment(equipment, entry, f"equipment[{i}]")
    if cert.conditions:
        conditions = _sub(measurement, _d("influenceConditions"))
        for i, condition in enumerate(cert.conditions):
            _condition(conditions, condition, f"conditions[{i}]")
    result_list = _sub(measurement, _d("results"))
    if not cert.results:
        raise DccError("results: a DCC needs at least one result")
    for i, result in enumerate(cert.results):
        _result(result_list, result, f"results[{i}]")
    return root


def to_xml(cert: Certificate, schema_dir: str | Path | None = None, validate: bool = True) -> bytes:
    """UTF-8 DCC XML for ``cert``; validated against the XSD unless ``validate`` is False.

    An export that the schema rejects raises DccSchemaError instead of producing a file.
    """
    root = to_element(cert)
    if validate:
        issues = schema_issues(root, schema_dir)
        if issues:
            raise DccSchemaError(f"certificate {cert.number}", issues)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml
