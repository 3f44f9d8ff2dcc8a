"""PTB Digital Calibration Certificate (DCC 3.3.0): export, import, detached signatures of our
files, and verification of the XML-DSig that a DCC from elsewhere may carry.

Pure core (no Django): certificates are frozen dataclasses; XML is built with ElementTree,
parsed only with defusedxml, and validated with xmlschema against the local XSD.
"""

from jiliang.dcc._errors import (
    DccContentError,
    DccError,
    DccParseError,
    DccSchemaError,
    DccSecurityError,
    Issue,
)
from jiliang.dcc._export import REF_AS_FOUND, REF_AS_LEFT, to_element, to_xml
from jiliang.dcc._import import consistency_issues, load_dcc, parse_dcc, parse_xml
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
from jiliang.dcc._schema import SCHEMA_ENV, dcc_schema, default_schema_dir, schema_issues
from jiliang.dcc._signing import (
    ALGORITHM,
    Problem,
    SignatureBundle,
    SignatureBundleError,
    Verification,
    key_id,
    public_key_from_pem,
    sign_file_bytes,
    verify_file_bytes,
)
from jiliang.dcc._xmldsig import (
    SignatureState,
    XmlSignatureCheck,
    certificate_fingerprint,
    verify_xml_signature,
)

__all__ = [
    "ALGORITHM",
    "REF_AS_FOUND",
    "REF_AS_LEFT",
    "SCHEMA_ENV",
    "Address",
    "Certificate",
    "Conformity",
    "Contact",
    "DccContentError",
    "DccError",
    "DccParseError",
    "DccSchemaError",
    "DccSecurityError",
    "ExpandedUncertainty",
    "Identification",
    "InfluenceCondition",
    "Issue",
    "Item",
    "MeasuringEquipment",
    "Method",
    "Problem",
    "Quantity",
    "RespPerson",
    "Result",
    "SignatureBundle",
    "SignatureBundleError",
    "SignatureState",
    "Software",
    "Statement",
    "Text",
    "Verification",
    "XmlSignatureCheck",
    "certificate_fingerprint",
    "consistency_issues",
    "dcc_schema",
    "default_schema_dir",
    "key_id",
    "load_dcc",
    "parse_dcc",
    "parse_xml",
    "public_key_from_pem",
    "schema_issues",
    "sign_file_bytes",
    "to_element",
    "to_xml",
    "verify_file_bytes",
    "verify_xml_signature",
]
