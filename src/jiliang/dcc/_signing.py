"""Ed25519 detached signatures over the exact bytes of a certificate file (PDF or DCC XML).

The signed message is a short text that binds the SHA-256 of the file to who signed and when:

    jiliang-signature-v1\\n<sha256 hex>\\n<key id>\\n<institution>\\n<signed_at>\\n

so any Ed25519 library can check a bundle offline: rebuild these bytes from the bundle, verify
the signature with the institution's public key, and compare the SHA-256 with the file's.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jiliang.dcc._errors import DccError

ALGORITHM = "Ed25519"
_MAGIC = "jiliang-signature-v1"
_FIELDS = ("algorithm", "key_id", "institution", "sha256", "signature", "signed_at")


class SignatureBundleError(DccError):
    """The signature bundle itself is malformed (not JSON, a field missing or of a wrong form)."""


class Problem(StrEnum):
    """What is wrong when a signature does not verify."""

    FILE_ALTERED = "file_altered"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"


@dataclass(frozen=True)
class SignatureBundle:
    """The detached signature file (JSON) that travels with a certificate."""

    algorithm: str
    key_id: str
    institution: str
    sha256: str
    signature: str  # base64 of the 64-byte Ed25519 signature
    signed_at: str  # ISO 8601 with offset

    def message(self) -> bytes:
        """The exact bytes that were signed."""
        lines = [_MAGIC, self.sha256, self.key_id, self.institution, self.signed_at]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def to_json(self) -> str:
        """Stable JSON (sorted keys), one object."""
        return (
            json.dumps(
                {f: getattr(self, f) for f in _FIELDS}, ensure_ascii=False, indent=2, sort_keys=True
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SignatureBundle:
        """Parse and check the form of every field; errors name the field."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SignatureBundleError(f"signature bundle: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise SignatureBundleError("signature bundle: expected a JSON object")
        for name in _FIELDS:
            if not isinstance(data.get(name), str) or not data[name]:
                raise SignatureBundleError(f"signature bundle: {name}: missing or not a text")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise SignatureBundleError(f"signature bundle: {unknown[0]}: unknown field")
        digest = data["sha256"]
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise SignatureBundleError("signature bundle: sha256: not 64 lower-case hex digits")
        try:
            raw = base64.b64decode(data["signature"], validate=True)
        except binascii.Error:
            raise SignatureBundleError("signature bundle: signature: not base64") from None
        if len(raw) != 64:
            raise SignatureBundleError("signature bundle: signature: not 64 bytes")
        try:
            dt.datetime.fromisoformat(data["signed_at"])
        except ValueError:
            raise SignatureBundleError(
                "signature bundle: signed_at: not an ISO 8601 time"
            ) from None
        return cls(**{name: data[name] for name in _FIELDS})


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_file_bytes`; ``problem`` is None when the signature holds."""

    ok: bool
    problem: Problem | None
    message: str
    bundle: SignatureBundle


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable id of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    """Load an institution's published public key (PEM, SubjectPublicKeyInfo)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SignatureBundleError(f"public key: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureBundleError(f"public key: expected Ed25519, got {type(key).__name__}")
    return key


def sign_file_bytes(
    data: bytes,
    private_key: Ed25519PrivateKey,
    institution: str,
    signed_at: dt.datetime,
) -> SignatureBundle:
    """Sign the exact bytes of a certificate file; ``signed_at`` must carry a time zone."""
    if signed_at.tzinfo is None:
        raise DccError("signed_at: needs a time zone (e.g. datetime.now(UTC))")
    if not institution.strip() or "\n" in institution:
        raise DccError("institution: a non-empty single line is required")
    unsigned = SignatureBundle(
        algorithm=ALGORITHM,
        key_id=key_id(private_key.public_key()),
        institution=institution,
        sha256=hashlib.sha256(data).hexdigest(),
        signature="",
        signed_at=signed_at.isoformat(),
    )
    signature = private_key.sign(unsigned.message())
    return SignatureBundle(
        **{**unsigned.__dict__, "signature": base64.b64encode(signature).decode("ascii")}
    )


def verify_file_bytes(
    data: bytes, bundle: SignatureBundle, public_keys: Mapping[str, Ed25519PublicKey]
) -> Verification:
    """Check a file against its bundle offline with the institution's public key(s) by key id.

    The hash is compared first, so an altered file is reported as such even when the key is
    unknown to the verifier; a hash that matches with a failing signature means the bundle was
    forged or edited, or signed with another key.
    """
    if bundle.algorithm != ALGORITHM:
        return Verification(
            False,
            Problem.UNSUPPORTED_ALGORITHM,
            f"algorithm {bundle.algorithm!r} is not Ed25519",
            bundle,
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != bundle.sha256:
        return Verification(
            False,
            Problem.FILE_ALTERED,
            f"file altered: SHA-256 is {actual}, the signature covers {bundle.sha256}",
            bundle,
        )
    key = public_keys.get(bundle.key_id)
    if key is None:
        known = ", ".join(sorted(public_keys)) or "none"
        return Verification(
            False, Problem.UNKNOWN_KEY, f"unknown key id {bundle.key_id} (known: {known})", bundle
        )
    try:
        key.verify(base64.b64decode(bundle.signature), bundle.message())
    except InvalidSignature:
        return Verification(
            False,
            Problem.BAD_SIGNATURE,
            f"signature invalid: not made by key {bundle.key_id} over this bundle"
            " (wrong key or forged)",
            bundle,
        )
    return Verification(
        True,
        None,
        f"valid: signed by {bundle.institution} (key {bundle.key_id}) at {bundle.signed_at}",
        bundle,
    )
