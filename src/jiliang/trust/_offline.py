"""Offline verification: public key(s) + record + inclusion proof + signed checkpoint.

Everything an auditor or a court needs, with no access to the platform or its database.
Each step is reported; the first failing step says exactly what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from jiliang.trust._checkpoint import Checkpoint, open_checkpoint
from jiliang.trust._errors import ProofError, TrustError
from jiliang.trust._keys import KeyRing
from jiliang.trust._merkle import HASH_SIZE, verify_consistency, verify_inclusion
from jiliang.trust._record import LogRecord

__all__ = [
    "PROOF_FORMAT",
    "Check",
    "ConsistencyProof",
    "InclusionProof",
    "VerificationReport",
    "verify_consistency_offline",
    "verify_record_offline",
]

PROOF_FORMAT = "jiliang-proof/v1"


def _hashes_from_json(value: Any, what: str) -> list[bytes]:
    if not isinstance(value, list):
        raise ProofError(f"{what}: 'hashes' must be a list of base64 strings")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ProofError(f"{what}: hashes[{i}] is not a string")
        try:
            raw = base64.b64decode(item.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ProofError(f"{what}: hashes[{i}] is not base64") from None
        if len(raw) != HASH_SIZE:
            raise ProofError(f"{what}: hashes[{i}] is {len(raw)} bytes, not {HASH_SIZE}")
        out.append(raw)
    return out


def _load_object(text: str | bytes, kind: str, fields: set[str]) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProofError(f"{kind} proof is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ProofError(f"{kind} proof must be a JSON object")
    if doc.get("format") != PROOF_FORMAT or doc.get("type") != kind:
        raise ProofError(f"{kind} proof must have format {PROOF_FORMAT!r} and type {kind!r}")
    missing = sorted(fields - set(doc))
    if missing:
        raise ProofError(f"{kind} proof lacks field(s) {', '.join(missing)}")
    for name in fields - {"hashes"}:
        value = doc[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProofError(f"{kind} proof: {name} must be a non-negative integer")
    return doc


@dataclass(frozen=True)
class InclusionProof:
    """Audit path of one leaf in a tree of `tree_size` leaves (JSON: jiliang-proof/v1)."""

    leaf_index: int
    tree_size: int
    hashes: tuple[bytes, ...]

    def to_json(self) -> str:
        """JSON form handed to auditors (hashes in standard base64)."""
        doc = {
            "format": PROOF_FORMAT,
            "type": "inclusion",
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "hashes": [base64.b64encode(h).decode() for h in self.hashes],
        }
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Parse and check the JSON form."""
        doc = _load_object(text, "inclusion", {"leaf_index", "tree_size", "hashes"})
        hashes = _hashes_from_json(doc["hashes"], "inclusion proof")
        return cls(doc["leaf_index"], doc["tree_size"], tuple(hashes))


@dataclass(frozen=True)
class ConsistencyProof:
    """Consistency proof between two tree sizes (JSON: jiliang-proof/v1)."""

    size1: int
    size2: int
    hashes: tuple[bytes, ...]

    def to_json(self) -> str:
        """JSON form (hashes in standard base64)."""
        doc = {
            "format": PROOF_FORMAT,
            "type": "consistency",
            "size1": self.size1,
            "size2": self.size2,
            "hashes": [base64.b64encode(h).decode() for h in self.hashes],
        }
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> ConsistencyProof:
        """Parse and check the JSON form."""
        doc = _load_object(text, "consistency", {"size1", "size2", "hashes"})
        hashes = _hashes_from_json(doc["hashes"], "consistency proof")
        return cls(doc["size1"], doc["size2"], tuple(hashes))


@dataclass(frozen=True)
class Check:
    """One step of the verification and its outcome."""

    step: str
    ok: bool
    detail: str


@dataclass
class VerificationReport:
    """All steps run; `ok` only if every step passed. `checkpoint` is set once it verified."""

    checks: list[Check] = field(default_factory=list)
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        """True when every step passed (and at least one ran)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failure(self) -> Check | None:
        """The first failing step, if any."""
        return next((c for c in self.checks if not c.ok), None)

    def _pass(self, step: str, detail: str) -> None:
        self.checks.append(Check(step, True, detail))

    def _fail(self, step: str, exc: Exception) -> VerificationReport:
        self.checks.append(Check(step, False, str(exc)))
        return self


def _open(
    report: VerificationReport,
    step: str,
    signed: str | bytes,
    keys: KeyRing,
    origin: str | None,
    witness_keys: KeyRing | None,
    min_witnesses: int,
) -> Checkpoint | None:
    try:
        opened = open_checkpoint(
            signed, keys, origin=origin, witness_keys=witness_keys, min_witnesses=min_witnesses
        )
    except TrustError as exc:
        report._fail(step, exc)
        return None
    cp = opened.checkpoint
    signers = ", ".join(f"{k.name}+{k.key_id_hex}" for k in opened.note.signers)
    detail = f"origin {cp.origin}, size {cp.size}, signed by {signers}"
    if opened.witnesses:
        detail += "; cosigned by " + ", ".join(f"{k.name} at {t}" for k, t in opened.witnesses)
    report._pass(step, detail)
    return cp


def verify_record_offline(
    record: str | bytes,
    proof: str | bytes,
    signed_checkpoint: str | bytes,
    keys: KeyRing,
    *,
    origin: str | None = None,
    witness_keys: KeyRing | None = None,
    min_witnesses: int = 0,
) -> VerificationReport:
    """Check that `record` is in the log whose signed checkpoint is given.

    Steps: (1) checkpoint signature by a trusted log key (and witness quorum), (2) record
    parses and canonicalises, leaf hash recomputed, (3) proof parses and matches the
    checkpoint size, (4) inclusion proof leads from the leaf hash to the signed root.
    """
    report = VerificationReport()
    cp = _open(report, "checkpoint", signed_checkpoint, keys, origin, witness_keys, min_witnesses)
    if cp is None:
        return report
    report.checkpoint = cp
    try:
        rec = LogRecord.from_json(record)
        leaf = rec.leaf_hash()
    except TrustError as exc:
        return report._fail("record", exc)
    report._pass("record", f"{rec.record_type} v{rec.schema_version}, leaf hash {leaf.hex()}")
    try:
        inc = InclusionProof.from_json(proof)
        if inc.tree_size != cp.size:
            raise ProofError(
                f"proof is for tree size {inc.tree_size} but the checkpoint has size {cp.size}; "
                "fetch a proof for this checkpoint"
            )
    except TrustError as exc:
        return report._fail("proof", exc)
    report._pass("proof", f"leaf index {inc.leaf_index}, {len(inc.hashes)} hashes")
    try:
        verify_inclusion(inc.leaf_index, inc.tree_size, leaf, inc.hashes, cp.root_hash)
    except ProofError as exc:
        return report._fail(
            "inclusion",
            ProofError(f"{exc}. The record differs from the logged one, or the proof is wrong"),
        )
    report._pass("inclusion", f"record is leaf {inc.leaf_index} of the signed tree")
    return report


def verify_consistency_offline(
    old_checkpoint: str | bytes,
    new_checkpoint: str | bytes,
    proof: str | bytes,
    keys: KeyRing,
    *,
    origin: str | None = None,
) -> VerificationReport:
    """Check that the log behind `new_checkpoint` extends the one behind `old_checkpoint`."""
    report = VerificationReport()
    old = _open(report, "old checkpoint", old_checkpoint, keys, origin, None, 0)
    if old is None:
        return report
    new = _open(report, "new checkpoint", new_checkpoint, keys, origin or old.origin, None, 0)
    if new is None:
        return report
    report.checkpoint = new
    try:
        con = ConsistencyProof.from_json(proof)
        if (con.size1, con.size2) != (old.size, new.size):
            raise ProofError(
                f"proof is for sizes {con.size1}->{con.size2}, checkpoints are "
                f"{old.size}->{new.size}"
            )
        verify_consistency(old.size, new.size, con.hashes, old.root_hash, new.root_hash)
    except TrustError as exc:
        return report._fail("consistency", exc)
    report._pass("consistency", f"size {new.size} extends size {old.size} (append-only)")
    return report
