"""An append-only RFC 9162 Merkle tree over a pluggable node store.

The store keeps the hash of every *complete* subtree: node (level, index) covers leaves
[index * 2**level, (index + 1) * 2**level). Level 0 holds the leaf hashes. Appending a
leaf writes only the nodes it completes on the right edge (amortised two per leaf), and
every proof or historical root is a fold over O(log n) stored nodes, fetched in one batch
so that a database-backed store answers a proof with one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from jiliang.trust._errors import ProofError, StoreError
from jiliang.trust._merkle import HASH_SIZE, empty_root, leaf_hash, node_hash

__all__ = ["MemoryNodeStore", "MerkleLog", "NodeKey", "NodeStore"]

NodeKey = tuple[int, int]
"""(level, index) of a complete subtree; level 0 is a leaf."""


@runtime_checkable
class NodeStore(Protocol):
    """Where the complete-subtree hashes live (memory here; a database table in the platform).

    An implementation must be append-only: `append_nodes` writes new nodes and the new tree
    size atomically and refuses to overwrite an existing node.
    """

    def tree_size(self) -> int:
        """Number of leaves stored."""
        ...

    def get_node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree (level, index); StoreError if it is not stored."""
        ...

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """Hashes for many keys, in order (one round trip for a database)."""
        ...

    def append_nodes(self, nodes: Sequence[tuple[NodeKey, bytes]], new_size: int) -> None:
        """Store new nodes and the new tree size together, or nothing at all."""
        ...


class MemoryNodeStore:
    """NodeStore in memory: one bytearray of 32-byte slots per level (compact, no objects)."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []
        self._size = 0

    @classmethod
    def from_levels(cls, levels: Sequence[bytes], tree_size: int) -> MemoryNodeStore:
        """Adopt prebuilt levels (concatenated 32-byte hashes), e.g. built in bulk by numpy.

        Each level must hold exactly the complete subtrees of a tree of `tree_size` leaves.
        """
        store = cls()
        for level, data in enumerate(levels):
            want = (tree_size >> level) * HASH_SIZE
            if len(data) != want:
                raise StoreError(
                    f"level {level} holds {len(data)} bytes, expected {want} for size {tree_size}"
                )
            store._levels.append(bytearray(data))
        if tree_size and len(levels) != tree_size.bit_length():
            raise StoreError(
                f"{len(levels)} levels given, expected {tree_size.bit_length()} for {tree_size}"
            )
        store._size = tree_size
        return store

    def tree_size(self) -> int:
        """Number of leaves stored."""
        return self._size

    def get_node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree (level, index)."""
        if level < 0 or index < 0 or level >= len(self._levels):
            raise StoreError(f"node ({level}, {index}) is not stored")
        data = self._levels[level]
        start = index * HASH_SIZE
        if start + HASH_SIZE > len(data):
            raise StoreError(f"node ({level}, {index}) is not stored")
        return bytes(data[start : start + HASH_SIZE])

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """Hashes for many keys, in order."""
        return [self.get_node(level, index) for level, index in keys]

    def append_nodes(self, nodes: Sequence[tuple[NodeKey, bytes]], new_size: int) -> None:
        """Append nodes; each must be the next free slot of its level (checked before writing)."""
        if new_size < self._size:
            raise StoreError(f"new size {new_size} is below the stored size {self._size}")
        counts = [len(level) // HASH_SIZE for level in self._levels]
        for (level, index), digest in nodes:
            if len(digest) != HASH_SIZE:
                raise StoreError(f"node ({level}, {index}) hash is {len(digest)} bytes")
            while len(counts) <= level:
                counts.append(0)
            if index != counts[level]:
                raise StoreError(
                    f"node ({level}, {index}) is not the next slot of level {level} "
                    f"(expected index {counts[level]}): the store is append-only"
                )
            counts[level] += 1
        while len(counts) < new_size.bit_length():
            counts.append(0)
        for level, count in enumerate(counts):
            if count != new_size >> level:
                raise StoreError(
                    f"after append, level {level} would hold {count} nodes, "
                    f"expected {new_size >> level} for size {new_size}"
                )
        for (level, _index), digest in nodes:
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            self._levels[level] += digest
        self._size = new_size


def _subtree_keys(start: int, end: int) -> list[NodeKey]:
    """Complete subtrees, left to right, whose right-to-left fold is MTH(D[start:end]).

    Valid for the subtrees the RFC 9162 recursion produces (start is a multiple of the
    largest power of two not above end - start).
    """
    keys: list[NodeKey] = []
    pos = start
    remaining = end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            keys.append((level, pos >> level))
            pos += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _split(size: int) -> int:
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_plan(leaf_index: int, tree_size: int) -> list[list[NodeKey]]:
    """Stored nodes for each element of PATH(m, D[n]) (RFC 9162 2.1.3.1), leaf side first."""
    plan: list[list[NodeKey]] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if leaf_index < start + k:
            plan.append(_subtree_keys(start + k, end))
            end = start + k
        else:
            plan.append(_subtree_keys(start, start + k))
            start += k
    plan.reverse()
    return plan


def consistency_plan(size1: int, size2: int) -> list[list[NodeKey]]:
    """Stored nodes for each element of PROOF(m, D[n]) (RFC 9162 2.1.4.1 SUBPROOF)."""
    plan: list[list[NodeKey]] = []
    start, end, m, complete = 0, size2, size1, True
    while True:
        size = end - start
        if m == size:
            if not complete:
                plan.append(_subtree_keys(start, end))
            break
        k = _split(size)
        if m <= k:
            plan.append(_subtree_keys(start + k, end))
            end = start + k
        else:
            plan.append(_subtree_keys(start, start + k))
            start += k
            m -= k
            complete = False
    plan.reverse()
    return plan


class MerkleLog:
    """Append-only RFC 9162 log over a NodeStore: append, roots, inclusion and consistency."""

    def __init__(self, store: NodeStore | None = None) -> None:
        self._store: NodeStore = MemoryNodeStore() if store is None else store
        self._size = self._store.tree_size()
        self._edge_cache: list[tuple[int, bytes]] | None = None

    @property
    def _edge(self) -> list[tuple[int, bytes]]:
        """The right edge ("compact range"): the complete subtrees whose fold is the root.

        Read on first use only: proofs never need it, so a read-only view answering a proof
        costs one node query instead of two.
        """
        if self._edge_cache is None:
            edge_keys = _subtree_keys(0, self._size)
            hashes = self._store.get_nodes(edge_keys) if edge_keys else []
            self._edge_cache = [(level, h) for (level, _), h in zip(edge_keys, hashes, strict=True)]
        return self._edge_cache

    @property
    def store(self) -> NodeStore:
        """The node store (for a platform that wants to read it directly)."""
        return self._store

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def append(self, data: bytes) -> int:
        """Append one entry (its bytes are leaf-hashed); return its 0-based index."""
        return self.append_leaf_hashes([leaf_hash(data)])

    def append_many(self, entries: Iterable[bytes]) -> int:
        """Append entries in one store write; return the index of the first."""
        return self.append_leaf_hashes([leaf_hash(d) for d in entries])

    def append_leaf_hashes(self, hashes: Sequence[bytes]) -> int:
        """Append precomputed leaf hashes; only the right-edge nodes they complete are hashed."""
        first = self._size
        edge = list(self._edge)
        size = self._size
        nodes: list[tuple[NodeKey, bytes]] = []
        for h in hashes:
            if len(h) != HASH_SIZE:
                raise StoreError(f"leaf hash for index {size} is {len(h)} bytes")
            nodes.append(((0, size), h))
            level, acc = 0, h
            index = size
            while edge and edge[-1][0] == level:
                _, left = edge.pop()
                acc = node_hash(left, acc)
                level += 1
                index >>= 1
                nodes.append(((level, index), acc))
            edge.append((level, acc))
            size += 1
        if nodes:
            self._store.append_nodes(nodes, size)
        self._edge_cache = edge
        self._size = size
        return first

    def leaf_hash(self, index: int) -> bytes:
        """Stored leaf hash at `index`."""
        if not 0 <= index < self._size:
            raise ProofError(f"leaf index {index} is outside the log (size {self._size})")
        return self._store.get_node(0, index)

    def _resolve(self, plan: list[list[NodeKey]]) -> list[bytes]:
        keys = sorted({key for element in plan for key in element})
        found = dict(zip(keys, self._store.get_nodes(keys), strict=True))
        return [_fold([found[key] for key in element]) for element in plan]

    def root(self, tree_size: int | None = None) -> bytes:
        """MTH of the first `tree_size` leaves (default: all), from O(log n) stored nodes."""
        n = self._size if tree_size is None else tree_size
        if not 0 <= n <= self._size:
            raise ProofError(f"tree size {n} is outside the log (size {self._size})")
        if n == 0:
            return empty_root()
        if n == self._size:
            return _fold([h for _, h in self._edge])
        return self._resolve([_subtree_keys(0, n)])[0]

    def inclusion_proof(self, leaf_index: int, tree_size: int | None = None) -> list[bytes]:
        """Audit path for `leaf_index` in the tree of `tree_size` leaves (RFC 9162 2.1.3.1)."""
        n = self._size if tree_size is None else tree_size
        if not 0 < n <= self._size:
            raise ProofError(f"tree size {n} is outside the log (size {self._size})")
        if not 0 <= leaf_index < n:
            raise ProofError(f"leaf index {leaf_index} is not in a tree of size {n}")
        return self._resolve(inclusion_plan(leaf_index, n))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Consistency proof from size1 to size2 (default: current) (RFC 9162 2.1.4.1)."""
        n = self._size if size2 is None else size2
        if not 0 <= n <= self._size:
            raise ProofError(f"tree size {n} is outside the log (size {self._size})")
        if not 0 < size1 <= n:
            raise ProofError(f"size1 must satisfy 0 < size1 <= size2, got {size1} and {n}")
        return self._resolve(consistency_plan(size1, n))
