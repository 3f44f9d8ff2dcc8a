"""C2SP tlog-checkpoint bodies, signing, and witness cosigning.

Witnesses follow c2sp.org/tlog-cosignature exactly for Ed25519: key type 0x04, signed
message "cosignature/v1\\ntime <t>\\n" + checkpoint body, signature = u64 timestamp (big
endian) || Ed25519 signature.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from jiliang.trust._errors import CheckpointError, NoteVerificationError, ProofError
from jiliang.trust._keys import KeyRing, VerifiedNote
from jiliang.trust._merkle import HASH_SIZE, verify_consistency
from jiliang.trust._note import (
    ED25519_COSIGNATURE,
    Note,
    SignerKey,
    VerifierKey,
    parse_note,
    sign_note,
    verify_note_signatures,
)

__all__ = ["Checkpoint", "VerifiedCheckpoint", "Witness", "open_checkpoint", "sign_checkpoint"]

_SIZE_RE = re.compile(r"^(0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size and root hash of a log (plus optional extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("origin must be a non-empty single line")
        if self.size < 0:
            raise CheckpointError(f"tree size {self.size} is negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash is {len(self.root_hash)} bytes, not {HASH_SIZE}")
        for i, ext in enumerate(self.extensions):
            if not ext or "\n" in ext:
                raise CheckpointError(f"extension line {i + 4} must be non-empty, single line")

    def to_text(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(f"{line}\n" for line in [*lines, *self.extensions])

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body, naming the line that is wrong."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"checkpoint has {len(lines)} lines, needs at least 3")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise CheckpointError("line 1 (origin) is empty")
        if not _SIZE_RE.match(size_text):
            raise CheckpointError(
                f"line 2 (tree size) {size_text!r} is not a decimal without leading zeros"
            )
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise CheckpointError(f"line 3 (root hash) {root_text!r} is not base64") from None
        if len(root) != HASH_SIZE:
            raise CheckpointError(f"line 3 (root hash) decodes to {len(root)} bytes, not 32")
        for i, ext in enumerate(extensions, start=4):
            if not ext:
                raise CheckpointError(f"line {i} (extension) is empty")
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[SignerKey]) -> str:
    """Sign a checkpoint (several keys during a key rotation) and return the signed note."""
    if not signers:
        raise CheckpointError("a checkpoint needs at least one signer")
    return sign_note(checkpoint.to_text(), signers)


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint whose log signature (and witness cosignatures, if asked) verified."""

    checkpoint: Checkpoint
    note: VerifiedNote
    witnesses: tuple[tuple[VerifierKey, int], ...]
    """(witness key, cosignature timestamp) for each verified cosignature."""


def _cosignature_time(note: Note, key: VerifierKey) -> int:
    for sig in note.signatures:
        if sig.name == key.name and sig.key_id == key.key_id:
            return int(struct.unpack(">Q", sig.signature[:8])[0])
    raise NoteVerificationError(f"no cosignature by {key.name}")  # pragma: no cover


def open_checkpoint(
    signed: str | bytes,
    log_keys: KeyRing,
    *,
    origin: str | None = None,
    witness_keys: KeyRing | None = None,
    min_witnesses: int = 0,
    allow_retired: bool = False,
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint: syntax, log signature, origin, and witness quorum."""
    note = parse_note(signed)
    checkpoint = Checkpoint.from_text(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the expected log {origin!r}"
        )
    verified = log_keys.verify(note, role="log", allow_retired=allow_retired)
    witnesses: list[tuple[VerifierKey, int]] = []
    if witness_keys is not None:
        cosigners = [
            k for k in witness_keys.keys(include_retired=False) if k.sig_type == ED25519_COSIGNATURE
        ]
        good, _ignored = verify_note_signatures(note, cosigners)
        witnesses = [(k, _cosignature_time(note, k)) for k in good]
    if len(witnesses) < min_witnesses:
        raise NoteVerificationError(
            f"checkpoint has {len(witnesses)} valid witness cosignature(s), "
            f"{min_witnesses} required"
        )
    return VerifiedCheckpoint(checkpoint, verified, tuple(witnesses))


class Witness:
    """A second instance that cosigns only checkpoints consistent with what it saw before.

    On first contact (no state) it trusts the checkpoint it is shown (trust on first use);
    after that, every new checkpoint needs a consistency proof from the last cosigned one.
    """

    def __init__(
        self,
        signer: SignerKey,
        log_keys: KeyRing,
        origin: str,
        latest: Checkpoint | None = None,
    ) -> None:
        if signer.sig_type != ED25519_COSIGNATURE:
            raise CheckpointError("a witness key must have signature type 0x04 (cosignature/v1)")
        self._signer = signer
        self._log_keys = log_keys
        self._origin = origin
        self._latest = latest

    @property
    def latest(self) -> Checkpoint | None:
        """The last checkpoint this witness cosigned (persist it between runs)."""
        return self._latest

    def cosign(self, signed_checkpoint: str, proof: Sequence[bytes], now: int) -> str:
        """Verify log signature and consistency, then return the note with a cosignature."""
        note = parse_note(signed_checkpoint)
        opened = open_checkpoint(signed_checkpoint, self._log_keys, origin=self._origin)
        new = opened.checkpoint
        old = self._latest
        if old is not None:
            if new.size < old.size:
                raise ProofError(
                    f"log shrank from {old.size} to {new.size}: refusing to cosign (truncation)"
                )
            if new.size == old.size:
                if new.root_hash != old.root_hash:
                    raise ProofError(f"same size {new.size} with a different root: a fork")
            elif old.size > 0:
                verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
        signed = sign_note(note, [self._signer], timestamp=now)
        self._latest = new
        return signed
