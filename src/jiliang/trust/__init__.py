"""jiliang.trust: an RFC 9162 transparency log with C2SP signed checkpoints (pure core).

Merkle hashing and proofs (RFC 9162), a storage-agnostic append-only tree, canonical
record serialisation, Ed25519 signed notes, checkpoints, witness cosignatures, key rings
and an offline verifier. No Django, no database: the platform supplies a NodeStore.
"""

from __future__ import annotations

from jiliang.trust._audit import AuditFinding, AuditReport, audit_log
from jiliang.trust._checkpoint import (
    Checkpoint,
    VerifiedCheckpoint,
    Witness,
    open_checkpoint,
    sign_checkpoint,
)
from jiliang.trust._errors import (
    CheckpointError,
    KeyFormatError,
    NoteError,
    NoteVerificationError,
    ProofError,
    RecordError,
    StoreError,
    TrustError,
)
from jiliang.trust._jcs import canonical_json, parse_json_strict
from jiliang.trust._keys import KeyEntry, KeyRing, VerifiedNote
from jiliang.trust._merkle import (
    HASH_SIZE,
    empty_root,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from jiliang.trust._note import (
    ED25519,
    ED25519_COSIGNATURE,
    Note,
    NoteSignature,
    SignerKey,
    VerifierKey,
    format_note,
    key_id,
    parse_note,
    sign_note,
)
from jiliang.trust._offline import (
    Check,
    ConsistencyProof,
    InclusionProof,
    VerificationReport,
    verify_consistency_offline,
    verify_record_offline,
)
from jiliang.trust._record import LogRecord
from jiliang.trust._tree import MemoryNodeStore, MerkleLog, NodeKey, NodeStore

__all__ = [
    "ED25519",
    "ED25519_COSIGNATURE",
    "HASH_SIZE",
    "AuditFinding",
    "AuditReport",
    "Check",
    "Checkpoint",
    "CheckpointError",
    "ConsistencyProof",
    "InclusionProof",
    "KeyEntry",
    "KeyFormatError",
    "KeyRing",
    "LogRecord",
    "MemoryNodeStore",
    "MerkleLog",
    "NodeKey",
    "NodeStore",
    "Note",
    "NoteError",
    "NoteSignature",
    "NoteVerificationError",
    "ProofError",
    "RecordError",
    "SignerKey",
    "StoreError",
    "TrustError",
    "VerificationReport",
    "VerifiedCheckpoint",
    "VerifiedNote",
    "VerifierKey",
    "Witness",
    "audit_log",
    "canonical_json",
    "empty_root",
    "format_note",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "parse_json_strict",
    "parse_note",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "sign_note",
    "verify_consistency",
    "verify_consistency_offline",
    "verify_inclusion",
    "verify_record_offline",
]
