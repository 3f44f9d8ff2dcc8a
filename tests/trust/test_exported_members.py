"""Pin the public API of jiliang.trust (httpx style): adding or removing a name is a decision."""

from __future__ import annotations

import jiliang.trust as trust

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(trust.__all__) == EXPECTED


def test_every_exported_name_exists_and_is_public() -> None:
    for name in trust.__all__:
        assert hasattr(trust, name), name
    public = {n for n in dir(trust) if not n.startswith("_")}
    # submodules are private (_merkle, ...), so nothing else leaks out
    assert public - set(trust.__all__) <= {"annotations"}


def test_core_does_not_import_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, jiliang.trust, jiliang.taximeter, jiliang.cli.ledger; "
        "print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
