"""Full audit of a stored log against its records: what `jiliang ledger verify` needs.

The platform recomputes each record's leaf hash from the record row (LogRecord) and hands
them here by index (None where a row is missing). The audit names every record modified,
deleted or inserted out of band, every stored tree node that does not match, and every
signed checkpoint whose root the records no longer produce.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from jiliang.trust._checkpoint import Checkpoint
from jiliang.trust._merkle import HASH_SIZE, empty_root, node_hash
from jiliang.trust._tree import NodeStore

__all__ = ["AuditFinding", "AuditReport", "audit_log"]

FindingKind = Literal["modified", "deleted", "inserted", "node", "checkpoint"]
_BATCH = 4096


@dataclass(frozen=True)
class AuditFinding:
    """One discrepancy. `index` is the leaf index (or node index for kind "node", at
    `level`: the node covers leaves index << level to ((index + 1) << level) - 1)."""

    kind: FindingKind
    index: int
    detail: str
    level: int = 0


@dataclass
class AuditReport:
    """All findings; `ok` when there are none."""

    records: int
    tree_size: int
    root: bytes
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when records, stored tree and checkpoints all agree."""
        return not self.findings


def _levels_from(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([node_hash(prev[i], prev[i + 1]) for i in range(0, len(prev) - 1, 2)])
    return levels


def _root(levels: list[list[bytes]], size: int) -> bytes:
    if size == 0:
        return empty_root()
    hashes = []
    pos = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            hashes.append(levels[level][pos >> level])
            pos += 1 << level
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def audit_log(
    leaf_hashes: Sequence[bytes | None],
    store: NodeStore,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    max_findings: int = 1000,
) -> AuditReport:
    """Compare records with stored leaves, stored nodes with their children, and the
    stored tree with every signed checkpoint.

    leaf_hashes[i] is the leaf hash recomputed from record i, None if row i is missing.
    A record edited out of band shows as "modified"; a record *and* its tree rewritten
    consistently shows as a "checkpoint" finding (the signed root no longer matches).
    """
    n_store = store.tree_size()
    report = AuditReport(len(leaf_hashes), n_store, b"")

    def add(kind: FindingKind, index: int, detail: str, level: int = 0) -> None:
        if len(report.findings) < max_findings:
            report.findings.append(AuditFinding(kind, index, detail, level))

    stored_leaves: list[bytes] = []
    for start in range(0, n_store, _BATCH):
        stop = min(start + _BATCH, n_store)
        stored = store.get_nodes([(0, i) for i in range(start, stop)])
        for i, s in zip(range(start, stop), stored, strict=True):
            mine = leaf_hashes[i] if i < len(leaf_hashes) else None
            stored_leaves.append(s)
            if mine is None:
                add("deleted", i, f"record {i} is in the tree but its row is missing")
            elif len(mine) != HASH_SIZE or mine != s:
                add("modified", i, f"record {i} hashes to {mine.hex()}, tree has {s.hex()}")
    for i in range(n_store, len(leaf_hashes)):
        if leaf_hashes[i] is not None:
            add("inserted", i, f"record {i} is not in the tree (inserted out of band)")
    levels = _levels_from(stored_leaves) if stored_leaves else [[]]
    for level in range(1, len(levels)):
        count = len(levels[level])
        for start in range(0, count, _BATCH):
            stop = min(start + _BATCH, count)
            stored = store.get_nodes([(level, i) for i in range(start, stop)])
            for i, s in zip(range(start, stop), stored, strict=True):
                if s != levels[level][i]:
                    add("node", i, f"stored node ({level}, {i}) does not match its children", level)
    report.root = _root(levels, n_store)
    for cp in checkpoints:
        if cp.size > n_store:
            add("checkpoint", cp.size, f"checkpoint size {cp.size} exceeds the tree ({n_store})")
        elif _root(levels, cp.size) != cp.root_hash:
            add(
                "checkpoint",
                cp.size,
                f"the stored leaves no longer produce the root signed at size {cp.size}",
            )
    return report
