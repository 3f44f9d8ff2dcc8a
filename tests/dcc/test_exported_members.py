"""Pin the public API of jiliang.dcc (httpx style)."""

import subprocess
import sys

import pytest

import jiliang.dcc


def test_exported_members() -> None:
    assert jiliang.dcc.__all__ == [
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
    for name in jiliang.dcc.__all__:
        assert getattr(jiliang.dcc, name) is not None


def test_core_imports_no_django() -> None:
    # One interpreter for the three cores of the verification work (they import scipy: slow).
    code = (
        "import sys, jiliang.dcc, jiliang.conformity, jiliang.procedures; "
        "assert 'django' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_default_schema_dir_is_the_checkout_sibling(monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import SCHEMA_DIR

    monkeypatch.delenv(jiliang.dcc.SCHEMA_ENV, raising=False)
    assert jiliang.dcc.default_schema_dir().resolve() == SCHEMA_DIR.resolve()
