"""Typed errors of the trust core: each names what is wrong so a caller can report it."""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "KeyFormatError",
    "NoteError",
    "NoteVerificationError",
    "ProofError",
    "RecordError",
    "StoreError",
    "TrustError",
]


class TrustError(ValueError):
    """Base class: bad input or a failed check; nothing was changed."""


class ProofError(TrustError):
    """An inclusion or consistency proof does not verify (or cannot be generated)."""


class StoreError(TrustError):
    """The node store refused a read or an append (missing node, overwrite, gap)."""


class RecordError(TrustError):
    """A log record is not canonically serialisable (float, duplicate key, bad type...)."""


class KeyFormatError(TrustError):
    """A signer key, verifier key or published key list is malformed."""


class NoteError(TrustError):
    """A signed note is malformed (C2SP signed-note syntax)."""


class NoteVerificationError(TrustError):
    """A signed note is well formed but its signatures do not satisfy the verifier."""


class CheckpointError(TrustError):
    """A checkpoint body is malformed or does not match what was expected."""
