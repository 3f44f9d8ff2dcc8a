"""Verification of an enveloped XML-DSig signature inside a DCC (W3C XML Signature 1.1).

Two signature concepts live in this package and must not be confused: our own certificate
files carry an Ed25519 *detached* signature (``_signing.py``, a JSON bundle next to the
file); a DCC from elsewhere may carry an *enveloped* XML-DSig ``ds:Signature`` (PTB's
``valid_signature.xml`` does), which is what this module checks, with signxml.

Safety: the bytes first go through defusedxml (``parse_xml``: no DTD, no entity declaration,
no external reference — XXE and billion laughs are refused there); only bytes that passed are
handed to lxml, with a parser that resolves no entities, loads no DTD, uses no network and
refuses huge trees, and signxml works on that tree. signxml is told where the signature must
be (a child of the root) and that it must cover the whole document (``URI=""``), so a valid
signature over some other part cannot vouch for an edited certificate ("see what is signed").

Trust: a signature that verifies with the key of its embedded certificate is *valid* only if
that certificate is one of the trusted certificates, or is directly issued by one (and within
its validity period at ``at``); otherwise it is *valid signature, untrusted key*, and the
subject and SHA-256 fingerprint of the certificate say whose key it was.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import InvalidSignature as InvalidSignatureError
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from jiliang.dcc._import import parse_xml

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_DS = f"{{{DS_NS}}}"


class SignatureState(StrEnum):
    """What an XML-DSig check found."""

    VALID = "valid"  # verifies, with a trusted certificate
    UNTRUSTED = "untrusted"  # verifies, but the key is not one we trust
    INVALID = "invalid"  # present, but does not verify (or cannot be verified)
    ABSENT = "absent"  # no ds:Signature


@dataclass(frozen=True)
class XmlSignatureCheck:
    """Result of ``verify_xml_signature``: the state, whose key, and why."""

    state: SignatureState
    subject: str = ""  # RFC 4514 subject of the signing certificate
    fingerprint: str = ""  # SHA-256 (hex) of the certificate's DER, or of the public key's
    reason: str = ""

    @property
    def verified(self) -> bool:
        """The signature matches the document (whether or not the key is trusted)."""
        return self.state in (SignatureState.VALID, SignatureState.UNTRUSTED)


def _safe_tree(data: bytes, source: str) -> etree._Element:
    parse_xml(data, source)  # defusedxml first: raises DccSecurityError / DccParseError
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(data, parser=parser)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 (hex) of the certificate's DER encoding."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _embedded_certificate(signature: etree._Element) -> x509.Certificate | str | None:
    """The first X509Certificate of the KeyInfo; a string says why it cannot be read."""
    found = signature.find(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    if found is None or not (found.text or "").strip():
        return None
    try:
        der = base64.b64decode("".join((found.text or "").split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        return f"the embedded X.509 certificate cannot be read: {exc}"


def _trusted(
    certificate: x509.Certificate, trusted: Sequence[x509.Certificate], at: dt.datetime
) -> bool:
    mine = certificate_fingerprint(certificate)
    for anchor in trusted:
        if certificate_fingerprint(anchor) == mine:
            return True
        try:
            certificate.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignatureError):
            continue
        if certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            return True
    return False


def _verify(root: etree._Element, key: x509.Certificate | None) -> str | None:
    """None when the signature verifies over the whole document, else the reason."""
    config = SignatureConfiguration(location="./", require_x509=key is not None)
    try:
        result = XMLVerifier().verify(
            root,
            x509_cert=key,
            expect_config=config,
            validate_schema=True,
        )
    except (InvalidSignature, InvalidInput, etree.LxmlError, UnsupportedAlgorithm) as exc:
        # a malformed ds:Signature (not schema-valid, bad base64, unknown algorithm) is an
        # invalid signature, never an error of the import
        return str(exc).rstrip(": ") or type(exc).__name__
    except (ValueError, TypeError) as exc:
        return f"the signature cannot be processed: {exc}"
    signed = result[0] if isinstance(result, list) else result
    if signed.signed_xml is None or signed.signed_xml.tag != root.tag:
        return 'the signature does not cover the whole certificate (its reference is not URI="")'
    return None


def verify_xml_signature(
    data: bytes,
    trusted: Sequence[x509.Certificate] = (),
    *,
    source: str = "<bytes>",
    at: dt.datetime | None = None,
) -> XmlSignatureCheck:
    """Check the enveloped XML-DSig of a DCC: valid / untrusted / invalid / absent.

    ``trusted`` are the certificates (or issuing CAs) whose keys we trust; a signature without
    an embedded certificate is tried against each of them. Raises DccSecurityError or
    DccParseError for documents that defusedxml refuses, like ``parse_dcc``.
    """
    when = at or dt.datetime.now(dt.UTC)
    root = _safe_tree(data, source)
    signatures = list(root.iter(f"{_DS}Signature"))
    if not signatures:
        return XmlSignatureCheck(SignatureState.ABSENT)
    if len(signatures) > 1:
        return XmlSignatureCheck(
            SignatureState.INVALID, reason=f"{len(signatures)} signatures; expected one"
        )
    embedded = _embedded_certificate(signatures[0])
    if isinstance(embedded, str):
        return XmlSignatureCheck(SignatureState.INVALID, reason=embedded)
    if embedded is not None:
        subject = embedded.subject.rfc4514_string()
        fingerprint = certificate_fingerprint(embedded)
        problem = _verify(root, embedded)
        if problem is not None:
            return XmlSignatureCheck(SignatureState.INVALID, subject, fingerprint, problem)
        if _trusted(embedded, trusted, when):
            return XmlSignatureCheck(SignatureState.VALID, subject, fingerprint)
        return XmlSignatureCheck(
            SignatureState.UNTRUSTED,
            subject,
            fingerprint,
            "the signature verifies with its embedded certificate, which is not trusted",
        )
    for anchor in trusted:
        if _verify(root, anchor) is None:
            return XmlSignatureCheck(
                SignatureState.VALID,
                anchor.subject.rfc4514_string(),
                certificate_fingerprint(anchor),
            )
    problem = _verify(root, None)  # a bare ds:KeyValue: verifies, but whose key is it?
    if problem is not None:
        return XmlSignatureCheck(
            SignatureState.INVALID,
            reason=f"no certificate in the signature and no trusted certificate verifies it "
            f"({problem})",
        )
    return XmlSignatureCheck(
        SignatureState.UNTRUSTED,
        reason="verifies with the public key written in the signature (ds:KeyValue), "
        "which nothing vouches for",
    )
