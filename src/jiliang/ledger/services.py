"""Business rules of the ledger: append, checkpoints, proofs, the full audit, witnessing.

Appends are serialised by locking the head row (SELECT ... FOR UPDATE on PostgreSQL; on
SQLite the IMMEDIATE transaction already holds the write lock). Each append writes the log
entries, the new right-edge tree nodes and the new head size in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from jiliang.dbutil import any_of_filter, insert_rows
from jiliang.ledger import keys
from jiliang.ledger.models import (
    Cosignature,
    LedgerHead,
    LogEntry,
    PublishedKey,
    SignedCheckpoint,
    WitnessedLog,
)
from jiliang.ledger.store import DbNodeStore
from jiliang.trust import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    KeyEntry,
    KeyRing,
    LogRecord,
    MerkleLog,
    StoreError,
    TrustError,
    VerifierKey,
    Witness,
    leaf_hash,
    parse_note,
    sign_checkpoint,
)


class LedgerError(Exception):
    """Bad request to the ledger (field and reason); nothing was changed."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """A record to append, with the lookup columns stored beside it."""

    record: LogRecord
    subject_kind: str = ""
    subject: str = ""
    dedupe_key: str | None = None
    owner_id: int | None = None
    issuer_id: int | None = None


def _q(connection: Any, name: str) -> str:
    return str(connection.ops.quote_name(name))


def _lock_head(using: str) -> int:
    connection = connections[using]
    head = _q(connection, LedgerHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size FROM {head} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # a database created without migration 0002's head row
            cursor.execute(f"INSERT INTO {head} (id, size) VALUES (1, 0)")  # noqa: S608
            return 0
    return int(row[0])


def head_size(using: str = "default") -> int:
    """Current tree size (no lock)."""
    head = LedgerHead.objects.using(using).filter(id=1).values_list("size", flat=True).first()
    return int(head or 0)


def merkle_log(using: str = "default") -> MerkleLog:
    """A read-only view of the stored tree at its current size."""
    return MerkleLog(DbNodeStore(head_size(using), using))


def append(items: Sequence[Item], using: str = "default") -> list[int | None]:
    """Append records in one transaction; return each one's leaf index.

    An item whose dedupe_key is already logged (or repeated in `items`) is skipped and gets
    None, so at-least-once callers (signals, catch-up) log each event exactly once.
    """
    if not items:
        return []
    connection = connections[using]
    with transaction.atomic(using=using):
        size = _lock_head(using)
        keys_wanted = [i.dedupe_key for i in items if i.dedupe_key]
        seen: set[str] = set()
        if keys_wanted:
            seen.update(
                LogEntry.objects.using(using)
                .filter(any_of_filter(LogEntry, "dedupe_key", keys_wanted, "text", using))
                .values_list("dedupe_key", flat=True)
            )
        # One pass: dedupe, leaf data and hash, and the entry row (its leaf index is the
        # head size plus the rows before it: the tree below starts at `size`).
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        hashes: list[bytes] = []
        rows: list[tuple[Any, ...]] = []
        result: list[int | None] = []
        for item in items:
            key = item.dedupe_key
            if key:
                if key in seen:
                    result.append(None)
                    continue
                seen.add(key)
            index = size + len(rows)
            result.append(index)
            record = item.record
            data = record.canonical_bytes()
            digest = leaf_hash(data)
            hashes.append(digest)
            rows.append(
                (
                    index,
                    record.record_type,
                    data.decode("utf-8"),
                    digest,
                    item.subject_kind,
                    item.subject,
                    key,
                    item.owner_id,
                    item.issuer_id,
                    now,
                )
            )
        if not rows:
            return result
        first = MerkleLog(DbNodeStore(size, using)).append_leaf_hashes(hashes)
        if first != size:  # the store reads the size it was given; never expected
            raise StoreError(f"the tree starts at {first}, the head says {size}")
        insert_rows(
            LogEntry._meta.db_table,
            (
                "leaf_index",
                "record_type",
                "record",
                "leaf_hash",
                "subject_kind",
                "subject",
                "dedupe_key",
                "owner_id",
                "issuer_id",
                "created",
            ),
            rows,
            using,
        )
    return result


# -- keys and checkpoints -------------------------------------------------------------------


def _publish(signer_vkey: VerifierKey, role: str) -> None:
    PublishedKey.objects.get_or_create(vkey=str(signer_vkey), defaults={"role": role})


def published_keys() -> KeyRing:
    """Every key this instance publishes (log and witness; active and retired)."""
    _publish(keys.log_signer().verifier(), "log")
    incoming = keys.next_log_signer()
    if incoming is not None:
        _publish(incoming.verifier(), "log")
    _publish(keys.witness_signer().verifier(), "witness")
    entries = []
    for row in PublishedKey.objects.order_by("id"):
        entries.append(
            KeyEntry(
                VerifierKey.parse(row.vkey),
                row.role,
                "retired" if row.status == "retired" else "active",
                row.since.isoformat() if row.since else None,
                row.retired_at.isoformat() if row.retired_at else None,
            )
        )
    return KeyRing(entries)


def log_keyring() -> KeyRing:
    """The log keys only (what a verifier of this log's checkpoints trusts)."""
    return KeyRing(e for e in published_keys().entries if e.role == "log")


def sign_checkpoint_now(using: str = "default") -> SignedCheckpoint:
    """Sign the current tree head with the instance key (and, during a key rotation, with the
    incoming key too) and keep the checkpoint."""
    signers = [keys.log_signer()]
    incoming = keys.next_log_signer()
    if incoming is not None and incoming.key_id != signers[0].key_id:
        signers.append(incoming)
    for signer in signers:
        _publish(signer.verifier(), "log")
    with transaction.atomic(using=using):
        size = _lock_head(using)
        root = MerkleLog(DbNodeStore(size, using)).root()
        note = sign_checkpoint(Checkpoint(keys.log_origin(), size, root), signers)
        return SignedCheckpoint.objects.using(using).create(size=size, root_hash=root, note=note)


def latest_checkpoint(using: str = "default") -> SignedCheckpoint:
    """The newest checkpoint; a fresh one is signed when the tree has grown since."""
    cp = SignedCheckpoint.objects.using(using).order_by("-id").first()
    if cp is not None and cp.size == head_size(using):
        return cp
    return sign_checkpoint_now(using)


def checkpoint_of_size(size: int, using: str = "default") -> SignedCheckpoint:
    """A stored checkpoint of exactly `size` leaves."""
    cp = SignedCheckpoint.objects.using(using).filter(size=size).order_by("-id").first()
    if cp is None:
        raise LedgerError("size", f"no signed checkpoint of size {size} is stored")
    return cp


def inclusion_proof(index: int, tree_size: int | None = None) -> InclusionProof:
    """Audit path of leaf `index` in the tree of `tree_size` leaves (default: current)."""
    log = merkle_log()
    n = log.size if tree_size is None else tree_size
    try:
        hashes = log.inclusion_proof(index, n)
    except TrustError as exc:
        raise LedgerError("index", str(exc)) from None
    return InclusionProof(index, n, tuple(hashes))


def consistency_proof(size1: int, size2: int | None = None) -> ConsistencyProof:
    """Proof that the tree of size2 (default: current) extends the tree of size1."""
    log = merkle_log()
    n = log.size if size2 is None else size2
    try:
        hashes = log.consistency_proof(size1, n)
    except TrustError as exc:
        raise LedgerError("size1", str(exc)) from None
    return ConsistencyProof(size1, n, tuple(hashes))


@dataclass(frozen=True)
class ProofBundle:
    """What an outsider needs: the record, its inclusion proof and the signed checkpoint."""

    entry: LogEntry
    proof: InclusionProof
    checkpoint: SignedCheckpoint

    def as_dict(self) -> dict[str, Any]:
        import json

        return {
            "leaf_index": self.entry.leaf_index,
            "record": self.entry.record,
            "proof": json.loads(self.proof.to_json()),
            "checkpoint": self.checkpoint.note,
        }


def prove_entry(entry: LogEntry) -> ProofBundle:
    """Inclusion proof of `entry` against the latest signed checkpoint."""
    cp = latest_checkpoint()
    return ProofBundle(entry, inclusion_proof(entry.leaf_index, cp.size), cp)


def find_entry(ref: str) -> LogEntry:
    """An entry by leaf index ('42') or by certificate number (its certificate.issued)."""
    text = ref.strip()
    entry: LogEntry | None
    if text.isdigit():
        entry = LogEntry.objects.filter(leaf_index=int(text)).first()
    else:
        entry = (
            LogEntry.objects.filter(record_type="certificate.issued", subject=text)
            .order_by("leaf_index")
            .first()
        )
    if entry is None:
        raise LedgerError("record", f"no log entry {text!r} (give a leaf index or certificate no.)")
    return entry


# -- the full audit (jiliang.ledger.audit) -------------------------------------------------


def audit(*args: Any, **kwargs: Any) -> Any:
    """The full audit behind `ledger verify` (jiliang.ledger.audit.audit)."""
    from jiliang.ledger.audit import audit as run

    return run(*args, **kwargs)


# -- witnessing -----------------------------------------------------------------------------


class WitnessRefused(LedgerError):
    """The witness refused to cosign (unknown log, bad signature, inconsistent, fork)."""


def add_witnessed_log(origin: str, vkeys: Sequence[str]) -> WitnessedLog:
    """Start witnessing another instance's log (trust on first use of its next checkpoint)."""
    if not origin or "\n" in origin:
        raise LedgerError("origin", "must be a non-empty single line")
    if not vkeys:
        raise LedgerError("log_keys", "at least one verifier key of that log is needed")
    parsed = []
    for i, text in enumerate(vkeys):
        try:
            parsed.append(str(VerifierKey.parse(text)))
        except TrustError as exc:
            raise LedgerError(f"log_keys[{i}]", str(exc)) from None
    log, created = WitnessedLog.objects.get_or_create(
        origin=origin, defaults={"log_keys": "\n".join(parsed) + "\n"}
    )
    if not created:
        raise LedgerError("origin", f"log {origin!r} is already witnessed")
    return log


def cosign(signed_checkpoint: str, proof: ConsistencyProof | Sequence[bytes] | None = None) -> str:
    """Cosign another log's checkpoint if it is consistent with the last one cosigned.

    Returns the note with this instance's cosignature (C2SP tlog-cosignature) appended.
    """
    try:
        checkpoint = Checkpoint.from_text(parse_note(signed_checkpoint).text)
    except TrustError as exc:
        raise WitnessRefused("checkpoint", str(exc)) from None
    with transaction.atomic():
        log = WitnessedLog.objects.select_for_update().filter(origin=checkpoint.origin).first()
        if log is None:
            raise WitnessRefused("checkpoint", f"log {checkpoint.origin!r} is not witnessed here")
        ring = KeyRing(KeyEntry(VerifierKey.parse(v), "log") for v in log.log_keys.split())
        latest = (
            Checkpoint(log.origin, log.latest_size, bytes(log.latest_root))
            if log.latest_size is not None and log.latest_root is not None
            else None
        )
        hashes: Sequence[bytes]
        if isinstance(proof, ConsistencyProof):
            if latest is not None and (proof.size1, proof.size2) != (latest.size, checkpoint.size):
                raise WitnessRefused(
                    "proof",
                    f"proof is for sizes {proof.size1}->{proof.size2}; the witness needs "
                    f"{latest.size}->{checkpoint.size}",
                )
            hashes = proof.hashes
        else:
            hashes = proof or ()
        witness = Witness(keys.witness_signer(), ring, log.origin, latest)
        try:
            cosigned = witness.cosign(signed_checkpoint, hashes, int(time.time()))
        except TrustError as exc:
            raise WitnessRefused("checkpoint", str(exc)) from None
        log.latest_size = checkpoint.size
        log.latest_root = checkpoint.root_hash
        log.latest_note = cosigned
        log.updated = timezone.now()
        log.save()
        Cosignature.objects.create(log=log, size=checkpoint.size, note=cosigned)
    return cosigned
