"""`jiliang ledger verify`: recompute the log from the database and compare it with the
registry, with the signed checkpoints, and with checkpoints held outside (a witness).

Findings (each fails the verify):

* modified / deleted / inserted / node / checkpoint / signature / head: the log itself
  (records against the stored tree, the tree against its signed roots); a mismatched node
  names the leaves under it and which of them differ from their records;
* registry: a logged object differs from what the registry holds now (object, field, logged
  value, current value), or is gone from the registry (jiliang.ledger.reconcile);
* access: an entry's lookup columns (owner, issuer, subject, dedupe key) differ from what its
  record body says (they are not covered by the leaf hash);
* unlogged: certificates missing from the log.

Warnings (printed; they fail the verify only with --strict): no signed checkpoint covers
the head. A log rewritten consistently with its checkpoints deleted passes every local
check: only a checkpoint held outside (a witness's cosigned one) catches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from django.db import connections

from jiliang.ledger import keys
from jiliang.ledger.models import LogEntry, SignedCheckpoint
from jiliang.ledger.reconcile import RegistryComparison, Row
from jiliang.ledger.records import _gc_paused
from jiliang.ledger.services import head_size, log_keyring
from jiliang.ledger.store import DbNodeStore
from jiliang.trust import (
    AuditReport,
    Checkpoint,
    KeyRing,
    MerkleLog,
    TrustError,
    audit_log,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
)

_BATCH = 50_000


@dataclass(frozen=True)
class Finding:
    """One discrepancy (or warning) found by the audit; object/field/logged/current name a
    registry or column difference."""

    kind: str  # modified, deleted, inserted, node, checkpoint, signature, head, unlogged,
    #            registry, access, warning
    index: int
    detail: str
    object: str = ""
    field: str = ""
    logged: str | None = None
    current: str | None = None


@dataclass
class LedgerAudit:
    """Result of `ledger verify`: ok only when every check passed (warnings aside)."""

    entries: int = 0
    tree_size: int = 0
    root: bytes = b""
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def indices(self, kind: str) -> list[int]:
        """Leaf indices of one kind of finding, sorted."""
        return sorted({f.index for f in self.findings if f.kind == kind})


def _q(connection: object, name: str) -> str:
    return str(connection.ops.quote_name(name))  # type: ignore[attr-defined]


def _read_leaves(
    using: str, comparison: RegistryComparison | None
) -> tuple[dict[int, bytes], list[Finding]]:
    """Recompute each stored record's leaf hash; compare with its own leaf_hash column; hand
    each batch to the registry comparison."""
    connection = connections[using]
    table = _q(connection, LogEntry._meta.db_table)
    leaves: dict[int, bytes] = {}
    findings: list[Finding] = []
    last = -1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT leaf_index, record, leaf_hash, record_type, subject_kind, subject, "  # noqa: S608
                f"dedupe_key, owner_id, issuer_id FROM {table} "
                f"WHERE leaf_index > %s ORDER BY leaf_index LIMIT {_BATCH}",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            batch: list[Row] = []
            for index, record, stored, *rest in rows:
                data = record.encode("utf-8") if isinstance(record, str) else bytes(record)
                mine = leaf_hash(data)
                leaves[index] = mine
                if bytes(stored) != mine:
                    findings.append(
                        Finding(
                            "modified",
                            index,
                            f"record {index}: its leaf_hash column does not match its content",
                        )
                    )
                batch.append((index, data.decode("utf-8"), *rest))
            if comparison is not None:
                comparison.feed(batch)
            last = rows[-1][0]
    return leaves, findings


def _stored_checkpoints(ring: KeyRing) -> tuple[list[tuple[str, Checkpoint]], list[Finding]]:
    """The stored signed checkpoints in the order they were signed, opened."""
    opened: list[tuple[str, Checkpoint]] = []
    findings: list[Finding] = []
    for cp in SignedCheckpoint.objects.order_by("id"):
        label = f"stored checkpoint #{cp.pk}"
        try:
            verified = open_checkpoint(cp.note, ring, origin=keys.log_origin(), allow_retired=True)
        except TrustError as exc:
            findings.append(Finding("signature", -1, f"{label}: {exc}"))
            continue
        opened.append((label, verified.checkpoint))
    return opened, findings


def _checkpoint_sequence(stored: list[tuple[str, Checkpoint]], log: MerkleLog) -> list[Finding]:
    """Each stored checkpoint must extend the one signed before it: never a smaller tree,
    never a root the earlier one is not a prefix of (RFC 9162 consistency proof)."""
    findings = []
    for (label1, a), (label2, b) in pairwise(stored):
        if b.size < a.size:
            findings.append(
                Finding(
                    "checkpoint",
                    b.size,
                    f"{label2} (size {b.size}) is smaller than the earlier {label1} (size "
                    f"{a.size}): the log went backwards",
                )
            )
            continue
        if a.size == 0 or b.size > log.size:  # nothing to prove / reported as exceeding
            continue
        try:
            verify_consistency(a.size, b.size, log.consistency_proof(a.size, b.size), a.root_hash,
                               b.root_hash)  # fmt: skip
        except TrustError as exc:
            findings.append(
                Finding(
                    "checkpoint",
                    b.size,
                    f"{label2} (size {b.size}) does not extend the earlier {label1} (size "
                    f"{a.size}): {exc}",
                )
            )
    return findings


def _name_leaves(node: Finding, level: int, size: int, modified: set[int]) -> Finding:
    """Say which leaves lie under a mismatched node and which of them differ."""
    first = node.index << level
    last = min((node.index + 1) << level, size) - 1
    bad = sorted(i for i in modified if first <= i <= last)
    subjects = dict(
        LogEntry.objects.filter(
            leaf_index__in=bad or range(first, min(last, first + 7) + 1)
        ).values_list("leaf_index", "subject")
    )

    def named(i: int) -> str:
        return f"{i} ({subjects[i]})" if subjects.get(i) else str(i)

    if bad:
        what = "; leaf " + ", ".join(named(i) for i in bad) + " differs from its stored record"
    elif last - first < 8:
        what = (
            "; every record there matches its stored leaf, so one of the entries "
            + ", ".join(named(i) for i in range(first, last + 1))
            + " was rewritten together with its leaf hash"
        )
    else:
        what = "; every record there matches its stored leaf (rewritten with its leaf hashes)"
    return Finding("node", first, f"{node.detail}: it covers leaves {first}–{last}{what}")


def audit(
    external_checkpoints: Iterable[str] = (),
    using: str = "default",
    max_findings: int = 1000,
    *,
    registry: bool = True,
    witness_keys: KeyRing | None = None,
    min_witnesses: int = 0,
) -> LedgerAudit:
    """Recompute everything from the database: records, tree nodes, signed checkpoints, the
    registry's current objects and the entries' lookup columns.

    `external_checkpoints` are signed checkpoints held outside the database (by an auditor, a
    witness, a court): the stored tree must still produce their roots, which catches a
    truncated or rewritten log even if the stored checkpoints were deleted too. With
    `witness_keys`, each must carry `min_witnesses` valid cosignatures.
    """
    size = head_size(using)
    store = DbNodeStore(size, using)
    comparison = RegistryComparison(using, max_findings) if registry else None
    with _gc_paused():  # 10^6 leaf hashes stay alive: the collector could free none
        leaves, findings = _read_leaves(using, comparison)
    length = max(size, max(leaves) + 1) if leaves else size
    leaf_list: list[bytes | None] = [leaves.get(i) for i in range(length)]
    ring = log_keyring()
    stored, bad_signatures = _stored_checkpoints(ring)
    findings += bad_signatures
    checkpoints = [cp for _, cp in stored]
    for n, note in enumerate(external_checkpoints):
        try:
            opened = open_checkpoint(
                note,
                ring,
                origin=keys.log_origin(),
                allow_retired=True,
                witness_keys=witness_keys,
                min_witnesses=min_witnesses,
            )
        except TrustError as exc:
            findings.append(Finding("signature", -1, f"external checkpoint {n + 1}: {exc}"))
            continue
        checkpoints.append(opened.checkpoint)
    try:
        report = audit_log(leaf_list, store, checkpoints, max_findings=max_findings)
    except TrustError as exc:  # a stored node is missing altogether
        findings.append(Finding("node", -1, f"the stored tree is incomplete: {exc}"))
        report = AuditReport(len(leaf_list), size, b"")
    modified = {f.index for f in findings if f.kind == "modified"}
    modified |= {f.index for f in report.findings if f.kind == "modified"}
    nodes = [(f.level, f.index) for f in report.findings if f.kind == "node"]
    for f in report.findings:
        if f.kind != "node":
            findings.append(Finding(f.kind, f.index, f.detail))
        elif not any(  # every ancestor of a bad node differs too: name the lowest only
            level < f.level and index >> (f.level - level) == f.index for level, index in nodes
        ):
            findings.append(
                _name_leaves(Finding(f.kind, f.index, f.detail), f.level, size, modified)
            )
    if len(leaves) + sum(1 for f in findings if f.kind == "deleted") < size:
        findings.append(Finding("head", size, "fewer entries than the head's tree size"))
    if not any(f.kind == "node" for f in findings):
        try:
            findings += _checkpoint_sequence(stored, MerkleLog(store))
        except TrustError as exc:
            findings.append(Finding("node", -1, f"the stored tree is incomplete: {exc}"))
    if comparison is not None:
        findings += [
            Finding(d.kind, d.index, d.detail, d.object, d.field, d.logged, d.current)
            for d in comparison.finish()
        ]
    findings.extend(_unlogged_certificates())
    unique = {(f.kind, f.index, f.detail): f for f in findings}
    ordered = sorted(unique.values(), key=lambda f: (f.index, f.kind))
    warnings = _coverage_warnings(size, stored)
    return LedgerAudit(
        len(leaves), size, report.root, len(checkpoints), ordered[:max_findings], warnings
    )


def _coverage_warnings(size: int, stored: list[tuple[str, Checkpoint]]) -> list[Finding]:
    """No signed checkpoint covers the head: the newest entries are committed by nothing."""
    if size == 0:
        return []
    if not stored:
        return [
            Finding(
                "warning",
                size,
                f"no signed checkpoint is stored for the {size} entries: nothing here can "
                "tell a consistent rewrite of the whole log; verify against a checkpoint held "
                "outside (--checkpoint, e.g. a witness's cosigned copy)",
            )
        ]
    newest = max(cp.size for _, cp in stored)
    if newest < size:
        return [
            Finding(
                "warning",
                size,
                f"the largest signed checkpoint covers {newest} of {size} entries: entries "
                f"{newest}–{size - 1} are committed by no signature yet (`jiliang ledger "
                "checkpoint`)",
            )
        ]
    return []


def _unlogged_certificates() -> list[Finding]:
    """Certificates with no certificate.issued entry. NOT EXISTS, not NOT IN: PostgreSQL
    hashes a NOT IN list only within work_mem and otherwise rescans it per certificate."""
    from django.db.models import Exists, OuterRef

    from jiliang.registry.models import Certificate

    logged = LogEntry.objects.filter(
        subject_kind="certificate", subject=OuterRef("number"), record_type="certificate.issued"
    )
    missing = list(
        Certificate.objects.filter(~Exists(logged)).order_by().values_list("number", flat=True)
    )
    if not missing:
        return []
    shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
    return [
        Finding(
            "unlogged",
            -1,
            f"{len(missing)} issued certificate(s) are not in the log (run `jiliang ledger "
            f"sync`): {shown}",
        )
    ]
