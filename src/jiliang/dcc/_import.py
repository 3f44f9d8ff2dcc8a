"""DCC XML -> Certificate: defusedxml first, then the XSD, then our consistency rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError  # types only; parsing is defusedxml's

import defusedxml
import defusedxml.ElementTree as DET

from jiliang.dcc._errors import (
    DccContentError,
    DccParseError,
    DccSchemaError,
    DccSecurityError,
    Issue,
)
from jiliang.dcc._model import (
    Address,
    Certificate,
    Conformity,
    Contact,
    ExpandedUncertainty,
    Identification,
    InfluenceCondition,
    Item,
    MeasuringEquipment,
    Method,
    Quantity,
    RespPerson,
    Result,
    Software,
    Statement,
    Text,
)
from jiliang.dcc._schema import DCC_NS, DS_NS, SI_NS, schema_issues

_D = f"{{{DCC_NS}}}"
_S = f"{{{SI_NS}}}"
_STATE_REFS = {"jiliang_asFound": "asFound", "jiliang_asLeft": "asLeft"}


def parse_xml(data: bytes, source: str = "<bytes>") -> Element:
    """Parse with defusedxml: DTDs, entity declarations and external references are refused."""
    try:
        root: Element = DET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise DccSecurityError(f"{source}: refused: the document has a DTD") from None
    except defusedxml.EntitiesForbidden as exc:
        raise DccSecurityError(f"{source}: refused: entity declaration {exc.name!r}") from None
    except defusedxml.ExternalReferenceForbidden:
        raise DccSecurityError(f"{source}: refused: external reference") from None
    except ParseError as exc:
        line, column = exc.position
        raise DccParseError(f"{source}: line {line}, column {column + 1}: {exc.msg}") from None
    return root


def consistency_issues(root: Element) -> tuple[Issue, ...]:
    """Rules beyond the XSD that we check (a small part of PTB's Schematron rules).

    Every mandatory language must be a used language, and every ``lang`` attribute of a
    ``dcc:content`` must name a used language.
    """
    core = f"{_D}administrativeData/{_D}coreData/"
    used = [e.text or "" for e in root.findall(core + f"{_D}usedLangCodeISO639_1")]
    issues = []
    for element in root.findall(core + f"{_D}mandatoryLangCodeISO639_1"):
        if (element.text or "") not in used:
            issues.append(
                Issue(
                    "/dcc:digitalCalibrationCertificate/dcc:administrativeData/dcc:coreData"
                    "/dcc:mandatoryLangCodeISO639_1",
                    f"mandatory language {element.text!r} is not among the used languages "
                    f"({', '.join(used)})",
                )
            )
    undeclared = sorted(
        {
            lang
            for element in root.iter(f"{_D}content")
            if (lang := element.get("lang")) and lang not in used
        }
    )
    for lang in undeclared:
        issues.append(
            Issue(
                "//dcc:content/@lang",
                f"content in language {lang!r} but {lang!r} is not a used language",
            )
        )
    return tuple(issues)


def load_dcc(
    path: str | Path, schema_dir: str | Path | None = None, strict: bool = True
) -> Certificate:
    """Read, check and convert a DCC file (see :func:`parse_dcc`)."""
    file = Path(path)
    return parse_dcc(file.read_bytes(), str(file), schema_dir, strict)


def parse_dcc(
    data: bytes,
    source: str = "<bytes>",
    schema_dir: str | Path | None = None,
    strict: bool = True,
) -> Certificate:
    """Parse (defusedxml), validate (XSD 3.3.0) and convert a DCC.

    Schema-invalid documents raise DccSchemaError with each validator message (path, reason).
    ``strict`` also applies :func:`consistency_issues` (language rules beyond the XSD).
    """
    root = parse_xml(data, source)
    issues = schema_issues(root, schema_dir)
    if strict and not issues:
        issues = consistency_issues(root)
    if issues:
        raise DccSchemaError(source, issues)
    return _certificate(root, source)


def _one(parent: Element, path: str) -> Element:
    found = parent.find(path)
    if found is None:  # the XSD guarantees required elements; this guards our own paths
        raise DccContentError(f"missing {path}")
    return found


def _str(parent: Element, path: str) -> str | None:
    found = parent.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _text(element: Element | None) -> Text | None:
    if element is None:
        return None
    return Text(
        tuple((c.get("lang", ""), (c.text or "").strip()) for c in element.findall(f"{_D}content"))
    )


def _req_text(parent: Element, tag: str) -> Text:
    text = _text(parent.find(f"{_D}{tag}"))
    return text if text is not None else Text(())


def _decimal(text: str | None, where: str) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise DccContentError(f"{where}: {text!r} is not a number") from None
    if not value.is_finite():
        raise DccContentError(f"{where}: {text!r} is not a finite number")
    return value


def _date(text: str | None) -> dt.date:
    # xs:date may carry a time zone (2024-01-31Z, 2024-01-31+08:00): the date is what counts.
    return dt.date.fromisoformat((text or "")[:10])


def _opt_date(parent: Element, path: str) -> dt.date | None:
    value = _str(parent, path)
    return None if value is None else _date(value)


def _address(element: Element | None) -> Address | None:
    if element is None:
        return None
    return Address(
        city=_str(element, f"{_D}city") or "",
        country_code=_str(element, f"{_D}countryCode") or "",
        street=_str(element, f"{_D}street"),
        street_no=_str(element, f"{_D}streetNo"),
        post_code=_str(element, f"{_D}postCode"),
        further=_text(element.find(f"{_D}further")),
    )


def _contact(element: Element) -> Contact:
    return Contact(
        name=_req_text(element, "name"),
        address=_address(element.find(f"{_D}location")),
        email=_str(element, f"{_D}eMail"),
        phone=_str(element, f"{_D}phone"),
    )


def _identifications(element: Element) -> tuple[Identification, ...]:
    return tuple(
        Identification(
            issuer=_str(ident, f"{_D}issuer") or "",
            value=_str(ident, f"{_D}value") or "",
            name=_text(ident.find(f"{_D}name")),
        )
        for ident in element.findall(f"{_D}identifications/{_D}identification")
    )


def _software(element: Element | None) -> tuple[Software, ...]:
    if element is None:
        return ()
    return tuple(
        Software(_req_text(sw, "name").get(), _str(sw, f"{_D}release") or "")
        for sw in element.findall(f"{_D}software")
    )


def _split(text: str | None) -> list[str]:
    return (text or "").split()


def _expanded_single(real: Element, where: str) -> ExpandedUncertainty | None:
    current = real.find(f"{_S}measurementUncertaintyUnivariate/{_S}expandedMU")
    if current is not None:
        return ExpandedUncertainty(
            _decimal(_str(current, f"{_S}valueExpandedMU"), where),
            _decimal(_str(current, f"{_S}coverageFactor"), where),
            _decimal(_str(current, f"{_S}coverageProbability"), where),
            _str(current, f"{_S}distribution"),
        )
    old = real.find(f"{_S}expandedUnc")
    if old is not None:
        return ExpandedUncertainty(
            _decimal(_str(old, f"{_S}uncertainty"), where),
            _decimal(_str(old, f"{_S}coverageFactor"), where),
            _decimal(_str(old, f"{_S}coverageProbability"), where),
            _str(old, f"{_S}distribution"),
            deprecated_form=True,
        )
    return None


def _pick(values: list[str], i: int) -> str | None:
    if not values:
        return None
    return values[i] if len(values) > 1 else values[0]


def _expanded_list(listing: Element, count: int, where: str) -> list[ExpandedUncertainty | None]:
    current = listing.find(f"{_S}measurementUncertaintyUnivariateXMLList/{_S}expandedMUXMLList")
    tags = ("valueExpandedMUXMLList", "coverageFactorXMLList", "coverageProbabilityXMLList")
    deprecated = False
    if current is None:
        current = listing.find(f"{_S}expandedUncXMLList")
        tags = ("uncertaintyXMLList", "coverageFactorXMLList", "coverageProbabilityXMLList")
        deprecated = True
    if current is None:
        return [None] * count
    columns = [_split(_str(current, f"{_S}{tag}")) for tag in tags]
    distributions = _split(_str(current, f"{_S}distributionXMLList"))
    result: list[ExpandedUncertainty | None] = []
    for i in range(count):
        value, k, p = (_pick(column, i) for column in columns)
        result.append(
            ExpandedUncertainty(
                _decimal(value, where),
                _decimal(k, where),
                _decimal(p, where),
                _pick(distributions, i),
                deprecated_form=deprecated,
            )
        )
    return result


def _conformity_values(quantity: Element) -> list[str]:
    values: list[str] = []
    for meta in quantity.findall(f"{_D}measurementMetaData/{_D}metaData"):
        single = _str(meta, f"{_D}conformity")
        if single:
            values.append(single)
        values.extend(_split(_str(meta, f"{_D}conformityXMLList")))
    return values


def _quantities(quantity: Element, where: str) -> Iterator[Quantity]:
    """One Quantity per real value; a hybrid gives its first representation only."""
    name = _text(quantity.find(f"{_D}name"))
    ref_type = quantity.get("refType")
    verdicts = _conformity_values(quantity)
    real = quantity.find(f"{_S}real")
    listing = quantity.find(f"{_S}realListXMLList")
    hybrid = quantity.find(f"{_S}hybrid")
    if hybrid is not None and len(hybrid):
        first = hybrid[0]
        real = first if first.tag == f"{_S}real" else None
        listing = first if first.tag == f"{_S}realListXMLList" else None
    if real is not None:
        yield Quantity(
            name,
            _decimal(_str(real, f"{_S}value"), where),
            _str(real, f"{_S}unit") or "",
            _expanded_single(real, where),
            ref_type,
            _pick(verdicts, 0),
        )
    elif listing is not None:
        values = _split(_str(listing, f"{_S}valueXMLList"))
        units = _split(_str(listing, f"{_S}unitXMLList"))
        uncertainties = _expanded_list(listing, len(values), where)
        for i, value in enumerate(values):
            yield Quantity(
                name,
                _decimal(value, where),
                _pick(units, i) or "",
                uncertainties[i],
                ref_type,
                _pick(verdicts, i),
            )


def _walk(container: Element, where: str) -> Iterator[Quantity]:
    for child in container:
        if child.tag == f"{_D}quantity":
            yield from _quantities(child, where)
        elif child.tag == f"{_D}list":
            yield from _walk(child, where)


def _list_conformity(container: Element, where: str) -> Conformity | None:
    for listing in container.iter(f"{_D}list"):
        for meta in listing.findall(f"{_D}measurementMetaData/{_D}metaData"):
            statement = _str(meta, f"{_D}conformity")
            if not statement:
                continue
            lower = upper = None
            unit = None
            for quantity in meta.findall(f"{_D}data/{_D}quantity"):
                for value in _quantities(quantity, where):
                    unit = value.unit
                    if value.ref_type == "basic_acceptanceLimitLower":
                        lower = value.value
                    elif value.ref_type == "basic_acceptanceLimitUpper":
                        upper = value.value
            return Conformity(statement, lower, upper, unit, _text(meta.find(f"{_D}declaration")))
    return None


def _result(element: Element, where: str) -> Result:
    refs = (element.get("refType") or "").split()
    state = next((_STATE_REFS[r] for r in refs if r in _STATE_REFS), None)
    other = [r for r in refs if r not in _STATE_REFS]
    data = _one(element, f"{_D}data")
    return Result(
        name=_req_text(element, "name"),
        quantities=tuple(_walk(data, where)),
        state=state,
        conformity=_list_conformity(data, where),
        ref_type=" ".join(other) or None,
    )


def _equipment(element: Element) -> MeasuringEquipment:
    cert = element.find(f"{_D}certificate")
    number = digest = None
    issuer = None
    if cert is not None:
        number = _str(cert, f"{_D}referralID")
        issuer = _text(cert.find(f"{_D}referral"))
        procedure = (_str(cert, f"{_D}procedure") or "").replace("-", "").lower()
        if procedure == "sha256":
            digest = (_str(cert, f"{_D}value") or "").lower()
    manufacturer = element.find(f"{_D}manufacturer")
    return MeasuringEquipment(
        name=_req_text(element, "name"),
        certificate_number=number,
        certificate_sha256=digest,
        certificate_issuer=issuer,
        manufacturer=None if manufacturer is None else _req_text(manufacturer, "name"),
        model=_str(element, f"{_D}model"),
        identifications=_identifications(element),
    )


def _certificate(root: Element, source: str) -> Certificate:
    admin = _one(root, f"{_D}administrativeData")
    core = _one(admin, f"{_D}coreData")
    measurements = root.findall(f"{_D}measurementResults/{_D}measurementResult")
    results: list[Result] = []
    methods: list[Method] = []
    used_software: list[Software] = []
    equipment: list[MeasuringEquipment] = []
    conditions: list[InfluenceCondition] = []
    for m, measurement in enumerate(measurements):
        where = f"{source}: measurementResult[{m + 1}]"
        for method in measurement.findall(f"{_D}usedMethods/{_D}usedMethod"):
            methods.append(
                Method(
                    _req_text(method, "name"),
                    _str(method, f"{_D}norm"),
                    _str(method, f"{_D}reference"),
                )
            )
        used_software.extend(_software(measurement.find(f"{_D}usedSoftware")))
        for entry in measurement.findall(f"{_D}measuringEquipments/{_D}measuringEquipment"):
            equipment.append(_equipment(entry))
        for condition in measurement.findall(f"{_D}influenceConditions/{_D}influenceCondition"):
            conditions.append(
                InfluenceCondition(
                    _req_text(condition, "name"),
                    tuple(_walk(_one(condition, f"{_D}data"), where)),
                    condition.get("refType"),
                )
            )
        for r, result in enumerate(measurement.findall(f"{_D}results/{_D}result")):
            results.append(_result(result, f"{where} result[{r + 1}]"))
    items = tuple(
        Item(
            name=_req_text(item, "name"),
            identifications=_identifications(item),
            manufacturer=(
                None
                if (maker := item.find(f"{_D}manufacturer")) is None
                else _req_text(maker, "name")
            ),
            model=_str(item, f"{_D}model"),
        )
        for item in admin.findall(f"{_D}items/{_D}item")
    )
    persons = tuple(
        RespPerson(
            name=_req_text(_one(person, f"{_D}person"), "name"),
            role=_str(person, f"{_D}role"),
            main_signer=_str(person, f"{_D}mainSigner") in ("true", "1"),
        )
        for person in admin.findall(f"{_D}respPersons/{_D}respPerson")
    )
    statements = tuple(
        Statement(
            declaration=_text(st.find(f"{_D}declaration")) or Text(()),
            norm=_str(st, f"{_D}norm"),
            reference=_str(st, f"{_D}reference"),
            conformity=_str(st, f"{_D}conformity"),
            ref_type=st.get("refType"),
        )
        for st in admin.findall(f"{_D}statements/{_D}statement")
    )
    first_name = _text(measurements[0].find(f"{_D}name")) if measurements else None
    return Certificate(
        number=_str(core, f"{_D}uniqueIdentifier") or "",
        laboratory=_contact(_one(admin, f"{_D}calibrationLaboratory/{_D}contact")),
        customer=_contact(_one(admin, f"{_D}customer")),
        items=items,
        resp_persons=persons,
        begin_performance_date=_date(_str(core, f"{_D}beginPerformanceDate")),
        end_performance_date=_date(_str(core, f"{_D}endPerformanceDate")),
        results=tuple(results),
        software=_software(admin.find(f"{_D}dccSoftware")),
        country_code=_str(core, f"{_D}countryCodeISO3166_1") or "",
        used_languages=tuple(e.text or "" for e in core.findall(f"{_D}usedLangCodeISO639_1")),
        mandatory_languages=tuple(
            e.text or "" for e in core.findall(f"{_D}mandatoryLangCodeISO639_1")
        ),
        issue_date=_opt_date(core, f"{_D}issueDate"),
        receipt_date=_opt_date(core, f"{_D}receiptDate"),
        performance_location=_str(core, f"{_D}performanceLocation") or "",
        statements=statements,
        methods=tuple(methods),
        used_software=tuple(used_software),
        equipment=tuple(equipment),
        conditions=tuple(conditions),
        measurement_name=first_name or Text(()),
        has_xml_signature=root.find(f"{{{DS_NS}}}Signature") is not None,
    )
