"""Ed25519 detached signatures: verify offline and say exactly what is wrong."""

import base64
import dataclasses
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from jiliang.dcc import (
    Certificate,
    DccError,
    Problem,
    SignatureBundle,
    SignatureBundleError,
    key_id,
    public_key_from_pem,
    sign_file_bytes,
    to_xml,
    verify_file_bytes,
)

from .conftest import SCHEMA_DIR, SHARED

RFC8032 = json.loads(
    (SHARED / "testdata" / "ed25519" / "rfc8032_section7.1_ed25519.json").read_text()
)
TEST_1 = RFC8032["vectors"][0]  # RFC 8032 7.1 TEST 1
TEST_2 = RFC8032["vectors"][1]
SIGNED_AT = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)


def _key(vector: dict) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))


def test_rfc8032_keys_are_used_as_published() -> None:
    # RFC 8032 7.1 TEST 1: the public key derived from the seed is the published one, and the
    # library signs the empty message to the published signature.
    private = _key(TEST_1)
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert public.hex() == TEST_1["public_key"]
    assert private.sign(b"").hex() == TEST_1["signature"]


def test_signed_dcc_verifies_with_only_the_public_key(certificate: Certificate) -> None:
    xml = to_xml(certificate, SCHEMA_DIR)
    private = _key(TEST_1)
    bundle = sign_file_bytes(xml, private, "City Institute of Metrology", SIGNED_AT)
    assert bundle.key_id == key_id(private.public_key())
    # Publish the key as PEM, travel the bundle as JSON, verify on the other side.
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    received = SignatureBundle.from_json(bundle.to_json())
    result = verify_file_bytes(xml, received, {bundle.key_id: public_key_from_pem(pem)})
    assert result.ok and result.problem is None
    assert "City Institute of Metrology" in result.message
    # Any Ed25519 library verifies the documented message with the raw public key.
    raw = Ed25519PublicKey.from_public_bytes(bytes.fromhex(TEST_1["public_key"]))
    raw.verify(base64.b64decode(bundle.signature), bundle.message())


def test_tampered_certificate_is_reported_as_altered(certificate: Certificate) -> None:
    xml = to_xml(certificate, SCHEMA_DIR)
    bundle = sign_file_bytes(xml, _key(TEST_1), "Institute", SIGNED_AT)
    tampered = xml.replace(b"<si:value>6.0</si:value>", b"<si:value>0.6</si:value>")
    assert tampered != xml
    result = verify_file_bytes(tampered, bundle, {bundle.key_id: _key(TEST_1).public_key()})
    assert (result.ok, result.problem) == (False, Problem.FILE_ALTERED)
    assert result.message.startswith("file altered: SHA-256 is ")


def test_wrong_key_or_forged_bundle_is_a_bad_signature() -> None:
    data = b"%PDF-1.7 any exact bytes"
    bundle = sign_file_bytes(data, _key(TEST_1), "Institute", SIGNED_AT)
    other = _key(TEST_2).public_key()
    wrong = verify_file_bytes(data, bundle, {bundle.key_id: other})
    assert wrong.problem is Problem.BAD_SIGNATURE
    assert "wrong key or forged" in wrong.message
    forged = dataclasses.replace(bundle, institution="Somebody Else")
    result = verify_file_bytes(data, forged, {bundle.key_id: _key(TEST_1).public_key()})
    assert result.problem is Problem.BAD_SIGNATURE
    later = dataclasses.replace(bundle, signed_at="2030-01-01T00:00:00+00:00")
    assert verify_file_bytes(data, later, {bundle.key_id: _key(TEST_1).public_key()}).problem is (
        Problem.BAD_SIGNATURE
    )


def test_unknown_key_id_is_named() -> None:
    data = b"<dcc/>"
    bundle = sign_file_bytes(data, _key(TEST_1), "Institute", SIGNED_AT)
    other = _key(TEST_2).public_key()
    result = verify_file_bytes(data, bundle, {key_id(other): other})
    assert result.problem is Problem.UNKNOWN_KEY
    assert result.message == f"unknown key id {bundle.key_id} (known: {key_id(other)})"


def test_malformed_bundles_name_the_field() -> None:
    bundle = sign_file_bytes(b"x", _key(TEST_1), "Institute", SIGNED_AT)
    good = json.loads(bundle.to_json())
    cases = {
        "sha256: not 64 lower-case hex digits": {**good, "sha256": "00"},
        "signature: not base64": {**good, "signature": "***"},
        "signature: not 64 bytes": {**good, "signature": "AAAA"},
        "signed_at: not an ISO 8601 time": {**good, "signed_at": "yesterday"},
        "key_id: missing or not a text": {k: v for k, v in good.items() if k != "key_id"},
        "extra: unknown field": {**good, "extra": "1"},
    }
    for message, data in cases.items():
        with pytest.raises(SignatureBundleError, match=message):
            SignatureBundle.from_json(json.dumps(data))
    with pytest.raises(SignatureBundleError, match="not JSON"):
        SignatureBundle.from_json("{")
    unsupported = dataclasses.replace(bundle, algorithm="RSA")
    assert verify_file_bytes(b"x", unsupported, {}).problem is Problem.UNSUPPORTED_ALGORITHM


def test_signing_needs_an_aware_time() -> None:
    with pytest.raises(DccError, match="signed_at: needs a time zone"):
        sign_file_bytes(b"x", _key(TEST_1), "Institute", dt.datetime(2026, 1, 1))
