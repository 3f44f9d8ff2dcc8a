"""XML-DSig of imported DCCs: valid / valid with an untrusted key / invalid / absent.

Signatures are made here with signxml and keys generated in the test (a CA and a laboratory
certificate it issued); nothing is mocked. Our own exported DCCs carry no XML-DSig — they are
signed with a detached Ed25519 bundle (``sign_file_bytes``), a different concept — so they
read as ``absent`` here while their bundle verifies.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import methods
from signxml.signer import XMLSigner

from jiliang.dcc import (
    Certificate,
    DccSecurityError,
    SignatureState,
    certificate_fingerprint,
    key_id,
    parse_dcc,
    sign_file_bytes,
    to_xml,
    verify_file_bytes,
    verify_xml_signature,
)

from .conftest import EXAMPLES

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某市计量测试研究所"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def pki() -> dict[str, object]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    lab_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", ca_key, "Test CA", ca_key)
    return {
        "ca": ca,
        "lab_key": lab_key,
        "lab": _certificate("lab signer", lab_key, "Test CA", ca_key),
    }


def _sign(data: bytes, pki: dict[str, object], **options: object) -> bytes:
    root = etree.fromstring(data)
    key = pki["lab_key"]
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert = pki["lab"]
    assert isinstance(cert, x509.Certificate)
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="ecdsa-sha256").sign(
        root, key=pem, cert=[cert], **options
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def signed(certificate: Certificate, pki: dict[str, object]) -> bytes:
    return _sign(to_xml(certificate), pki)


def test_signed_with_a_certificate_issued_by_a_trusted_ca_is_valid(
    signed: bytes, pki: dict[str, object]
) -> None:
    ca, lab = pki["ca"], pki["lab"]
    assert isinstance(ca, x509.Certificate) and isinstance(lab, x509.Certificate)
    check = verify_xml_signature(signed, [ca], at=NOW)
    assert check.state is SignatureState.VALID
    assert check.subject == "CN=lab signer,O=某市计量测试研究所,C=CN"
    assert check.fingerprint == certificate_fingerprint(lab)
    assert verify_xml_signature(signed, [lab], at=NOW).state is SignatureState.VALID
    # the signed DCC is still a valid DCC (the schema allows the enveloped ds:Signature)
    assert parse_dcc(signed).has_xml_signature


def test_untrusted_key_is_named(signed: bytes, pki: dict[str, object]) -> None:
    check = verify_xml_signature(signed, [], at=NOW)
    assert check.state is SignatureState.UNTRUSTED
    assert check.verified
    assert check.subject == "CN=lab signer,O=某市计量测试研究所,C=CN"
    # A CA that did not issue the certificate does not make it trusted.
    other_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _certificate("Other CA", other_key, "Other CA", other_key)
    assert verify_xml_signature(signed, [stranger], at=NOW).state is SignatureState.UNTRUSTED
    # Nor does the right CA once the certificate has expired.
    ca = pki["ca"]
    assert isinstance(ca, x509.Certificate)
    later = NOW + dt.timedelta(days=400)
    assert verify_xml_signature(signed, [ca], at=later).state is SignatureState.UNTRUSTED


def test_one_changed_byte_of_a_signed_value_is_invalid(
    signed: bytes, pki: dict[str, object]
) -> None:
    marker = b"<dcc:uniqueIdentifier>JL2026-000123<"
    assert signed.count(marker) == 1
    edited = signed.replace(marker, b"<dcc:uniqueIdentifier>JL2026-000124<")
    ca = pki["ca"]
    assert isinstance(ca, x509.Certificate)
    check = verify_xml_signature(edited, [ca], at=NOW)
    assert check.state is SignatureState.INVALID
    assert "Digest mismatch" in check.reason
    assert check.subject == "CN=lab signer,O=某市计量测试研究所,C=CN"  # whose it claims to be


def test_a_changed_signature_value_is_invalid(signed: bytes) -> None:
    start = signed.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = b"A" if signed[start : start + 1] != b"A" else b"B"
    edited = signed[:start] + flipped + signed[start + 1 :]
    assert verify_xml_signature(edited, at=NOW).state is SignatureState.INVALID


def test_removed_signature_is_absent(signed: bytes) -> None:
    start = signed.index(b"<ds:Signature")
    end = signed.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    assert verify_xml_signature(signed[:start] + signed[end:]).state is SignatureState.ABSENT


def test_a_signature_over_part_of_the_document_does_not_vouch_for_the_rest(
    certificate: Certificate, pki: dict[str, object]
) -> None:
    root = etree.fromstring(to_xml(certificate))
    core = root.find(".//{https://ptb.de/dcc}coreData")
    assert core is not None
    core.set("Id", "core")
    data = etree.tostring(root)
    signed = _sign(data, pki, reference_uri="#core")
    ca = pki["ca"]
    assert isinstance(ca, x509.Certificate)
    assert verify_xml_signature(signed, [ca], at=NOW).state is SignatureState.INVALID


def test_hostile_xml_is_refused_before_signxml_sees_it(signed: bytes) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
    with pytest.raises(DccSecurityError):
        verify_xml_signature(bomb + signed.split(b"?>", 1)[1])
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    with pytest.raises(DccSecurityError):
        verify_xml_signature(xxe)


def test_our_own_export_carries_a_detached_ed25519_signature_not_xml_dsig(
    certificate: Certificate,
) -> None:
    data = to_xml(certificate)
    assert verify_xml_signature(data).state is SignatureState.ABSENT
    key = ed25519.Ed25519PrivateKey.generate()
    bundle = sign_file_bytes(data, key, "某市计量测试研究所", NOW)
    public = key.public_key()
    assert verify_file_bytes(data, bundle, {key_id(public): public}).ok


def test_ptb_examples() -> None:
    ptb = verify_xml_signature((EXAMPLES / "valid_signature.xml").read_bytes(), at=NOW)
    # PTB's example verifies with the certificate it embeds, which nothing here trusts.
    assert ptb.state is SignatureState.UNTRUSTED
    assert "O=PTB" in ptb.subject and "CN=cert" in ptb.subject
    assert len(ptb.fingerprint) == 64
    for name in ("valid.xml", "valid_bom.xml"):
        assert verify_xml_signature((EXAMPLES / name).read_bytes()).state is SignatureState.ABSENT


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (rb"<ds:SignatureValue>[^<]*", b"<ds:SignatureValue>!!!not base64"),
        (rb"xmldsig-more#rsa-sha256", b"xmldsig-more#rsa-md5"),
        (rb"<ds:SignedInfo>.*?</ds:SignedInfo>", b""),
        (rb"<ds:X509Certificate>[^<]*", b"<ds:X509Certificate>AAAA"),
        (rb'<ds:Reference URI="">', b'<ds:Reference URI="http://example.com/x">'),
        (rb'<ds:Reference URI="">', b'<ds:Reference URI="#nothing">'),
    ],
)
def test_malformed_signatures_are_invalid_never_an_error(
    pattern: bytes, replacement: bytes
) -> None:
    data = (EXAMPLES / "valid_signature.xml").read_bytes()
    broken = re.sub(pattern, replacement, data, count=1, flags=re.S)
    assert broken != data
    check = verify_xml_signature(broken, at=NOW)
    assert check.state is SignatureState.INVALID
    assert check.reason
