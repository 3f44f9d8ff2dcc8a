"""C2SP signed notes with Ed25519 (c2sp.org/signed-note) and timestamped cosignatures
(c2sp.org/tlog-cosignature, signature type 0x04).

Key formats:
  verifier key  "name+hexkeyid+base64(type || 32-byte public key)"   (C2SP "vkey")
  signer key    "PRIVATE+KEY+name+hexkeyid+base64(type || 32-byte seed)"
                (the golang.org/x/mod/sumdb/note convention; secret, never published)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jiliang.trust._errors import KeyFormatError, NoteError, NoteVerificationError

__all__ = [
    "ED25519",
    "ED25519_COSIGNATURE",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "SignerKey",
    "VerifierKey",
    "cosignature_message",
    "format_note",
    "key_id",
    "parse_note",
    "sign_note",
    "verify_note_signatures",
]

ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (C2SP signed-note)."""
ED25519_COSIGNATURE = 0x04
"""Signature type of timestamped Ed25519 cosignatures (C2SP tlog-cosignature, cosignature/v1)."""
MAX_SIGNATURES = 100
"""Notes with more signature lines are refused (the spec asks for a limit of at least 16)."""

_TYPES = {ED25519: "Ed25519", ED25519_COSIGNATURE: "Ed25519 cosignature/v1"}
_DASH = "\u2014 "


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4], as the C2SP signed-note spec says."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[
        :4
    ]


def _check_name(name: str) -> None:
    if not name:
        raise KeyFormatError("key name is empty")
    if "+" in name or any(ch.isspace() for ch in name):
        raise KeyFormatError(f"key name {name!r} contains a space or '+'")
    if any(ord(ch) < 0x20 for ch in name):
        raise KeyFormatError(f"key name {name!r} contains a control character")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise KeyFormatError(f"{what} is not standard base64") from None


def cosignature_message(text: str, timestamp: int) -> bytes:
    """Bytes a cosigner signs: 'cosignature/v1\\ntime <t>\\n' followed by the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class VerifierKey:
    """A public key that verifies note signatures of one name and type."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.sig_type not in _TYPES:
            raise KeyFormatError(f"signature type 0x{self.sig_type:02x} is not supported")
        if len(self.public_key) != 32:
            raise KeyFormatError(f"Ed25519 public key is {len(self.public_key)} bytes, not 32")

    @cached_property
    def key_id(self) -> bytes:
        """The 4-byte key ID."""
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def key_id_hex(self) -> str:
        """The key ID as 8 lowercase hex digits."""
        return self.key_id.hex()

    @cached_property
    def _ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def __str__(self) -> str:
        payload = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id_hex}+{payload}"

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        """Parse 'name+hexkeyid+base64(type||key)', checking that the key ID matches."""
        text = vkey.strip()
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise KeyFormatError(f"verifier key {text!r} must be 'name+keyid+base64key'")
        name, hex_id, payload = parts
        raw = _b64decode(payload, f"verifier key {name!r} public part")
        if len(raw) < 1:
            raise KeyFormatError(f"verifier key {name!r} has no key material")
        key = cls(name, raw[0], raw[1:])
        if hex_id != key.key_id_hex:
            raise KeyFormatError(
                f"verifier key {name!r}: key ID {hex_id!r} does not match the key "
                f"(computed {key.key_id_hex})"
            )
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True if `signature` (without key ID) is valid over `message` (note text bytes)."""
        public = self._ed25519
        if self.sig_type == ED25519_COSIGNATURE:
            if len(signature) != 72:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp > 2**63 - 1:
                return False
            message = cosignature_message(message.decode("utf-8"), timestamp)
            signature = signature[8:]
        elif len(signature) != 64:
            return False
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, repr=False)
class SignerKey:
    """A private Ed25519 key with its name and signature type (repr hides the secret)."""

    name: str
    sig_type: int
    seed: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.sig_type not in _TYPES:
            raise KeyFormatError(f"signature type 0x{self.sig_type:02x} is not supported")
        if len(self.seed) != 32:
            raise KeyFormatError(f"Ed25519 private key is {len(self.seed)} bytes, not 32")

    def __repr__(self) -> str:
        return f"SignerKey(name={self.name!r}, sig_type={self.sig_type}, key_id={self.key_id_hex})"

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> SignerKey:
        """A fresh random key."""
        private = Ed25519PrivateKey.generate()
        return cls(name, sig_type, private.private_bytes_raw())

    @classmethod
    def parse(cls, skey: str) -> SignerKey:
        """Parse 'PRIVATE+KEY+name+hexkeyid+base64(type||seed)'."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise KeyFormatError("signer key must be 'PRIVATE+KEY+name+keyid+base64key'")
        name, hex_id, payload = parts[2:]
        raw = _b64decode(payload, f"signer key {name!r}")
        if len(raw) < 1:
            raise KeyFormatError(f"signer key {name!r} has no key material")
        key = cls(name, raw[0], raw[1:])
        if hex_id != key.key_id_hex:
            raise KeyFormatError(f"signer key {name!r}: key ID {hex_id!r} does not match the key")
        return key

    def to_string(self) -> str:
        """The secret key string (store it like a password)."""
        payload = base64.b64encode(bytes([self.sig_type]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id_hex}+{payload}"

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID."""
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def key_id_hex(self) -> str:
        """The key ID as 8 lowercase hex digits."""
        return self.key_id.hex()

    def verifier(self) -> VerifierKey:
        """The matching public verifier key."""
        return VerifierKey(self.name, self.sig_type, self.public_key)

    def sign(self, text: str, timestamp: int | None = None) -> bytes:
        """Signature bytes (without key ID) over the note text; cosignatures need a timestamp."""
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        if self.sig_type == ED25519_COSIGNATURE:
            if timestamp is None or not 0 <= timestamp <= 2**63 - 1:
                raise NoteError("a cosignature needs a POSIX timestamp in 0..2**63-1")
            return struct.pack(">Q", timestamp) + private.sign(cosignature_message(text, timestamp))
        return private.sign(text.encode("utf-8"))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The '— name base64(keyid||sig)' line without its newline."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (ending in newline) and signature lines, unverified."""

    text: str
    signatures: tuple[NoteSignature, ...]


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def _check_text(text: str, what: str) -> None:
    bad = _CONTROL.search(text)
    if bad is not None:
        lineno = text.count("\n", 0, bad.start()) + 1
        raise NoteError(f"{what} line {lineno}: control character U+{ord(bad.group()):04X}")


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into text and signature lines, checking the C2SP syntax."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError(f"note is not UTF-8 (byte {exc.start})") from None
    _check_text(data, "note")
    if not data.endswith("\n"):
        raise NoteError("note does not end with a newline")
    cut = data.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no blank line separating text from signatures")
    text = data[: cut + 1]
    lines = data[cut + 2 :].split("\n")[:-1]
    if not lines:
        raise NoteError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    first_sig_line = text.count("\n") + 2
    sigs = []
    for offset, line in enumerate(lines):
        lineno = first_sig_line + offset
        if not line.startswith(_DASH):
            raise NoteError(f"line {lineno}: signature line must start with '— ' (U+2014)")
        rest = line[len(_DASH) :]
        name, sep, b64 = rest.partition(" ")
        if not sep or " " in b64:
            raise NoteError(f"line {lineno}: signature line must be '— name base64'")
        try:
            _check_name(name)
            raw = _b64decode(b64, f"line {lineno} signature")
        except KeyFormatError as exc:
            raise NoteError(f"line {lineno}: {exc}") from None
        if len(raw) < 5:
            raise NoteError(f"line {lineno}: signature is shorter than a key ID plus 1 byte")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(text, tuple(sigs))


def format_note(note: Note) -> str:
    """Serialise text and signatures back into a signed note."""
    return note.text + "\n" + "".join(sig.line() + "\n" for sig in note.signatures)


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text(text, "note text")


def sign_note(note: str | Note, signers: Sequence[SignerKey], timestamp: int | None = None) -> str:
    """Sign a text (or add signatures to an already signed Note) and return the signed note."""
    if isinstance(note, Note):
        text, existing = note.text, list(note.signatures)
    else:
        text, existing = note, []
    _check_note_text(text)
    for signer in signers:
        sig = signer.sign(text, timestamp)
        existing.append(NoteSignature(signer.name, signer.key_id, sig))
    if not existing:
        raise NoteError("a signed note needs at least one signature")
    if len(existing) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return format_note(Note(text, tuple(existing)))


def verify_note_signatures(
    note: Note, known: Iterable[VerifierKey]
) -> tuple[list[VerifierKey], list[NoteSignature]]:
    """Check every signature from a known key; return (verified keys, ignored signatures).

    Per C2SP signed-note: signatures whose (name, key ID) pair matches no known key are
    ignored; a known key's signature that fails makes the whole note rejected
    (NoteVerificationError naming the key). The caller decides how many it needs.
    """
    by_id: dict[tuple[str, bytes], VerifierKey] = {(k.name, k.key_id): k for k in known}
    verified: list[VerifierKey] = []
    ignored: list[NoteSignature] = []
    text_bytes = note.text.encode("utf-8")
    for sig in note.signatures:
        key = by_id.get((sig.name, sig.key_id))
        if key is None:
            ignored.append(sig)
            continue
        if not key.verify(text_bytes, sig.signature):
            raise NoteVerificationError(
                f"signature by {key.name}+{key.key_id_hex} does not verify: the note text "
                "was altered or the signature is forged"
            )
        if key not in verified:
            verified.append(key)
    return verified, ignored
