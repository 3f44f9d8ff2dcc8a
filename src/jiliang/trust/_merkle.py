"""RFC 9162 Merkle tree hashing and proof verification (sections 2.1.1, 2.1.3.2, 2.1.4.2).

Pure functions over byte strings: the same code checks proofs made by this log, by the
database-backed log, or by anyone else who follows RFC 9162.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from jiliang.trust._errors import ProofError

__all__ = [
    "HASH_SIZE",
    "empty_root",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data): the domain-separated hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right): an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """Return the root of the empty tree, SHA-256 of the empty string (RFC 9162 2.1.1)."""
    return hashlib.sha256(b"").digest()


def _largest_power_of_two_below(n: int) -> int:
    """Return k, the largest power of two with k < n (n > 1), as in RFC 9162 2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) from leaf hashes by the RFC 9162 2.1.1 recursion (reference use)."""
    n = len(hashes)
    if n == 0:
        return empty_root()
    if n == 1:
        return hashes[0]
    k = _largest_power_of_two_below(n)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise ProofError(f"{what}[{i}] is {len(p)} bytes, expected {HASH_SIZE}")


def verify_inclusion(
    leaf_index: int,
    tree_size: int,
    leaf: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Check that `leaf` (a leaf hash) sits at `leaf_index` of the tree with this root.

    RFC 9162 2.1.3.2, plus the rule of the transparency-dev vectors that a leaf hash must be
    32 bytes. Raises ProofError saying which step failed; returns None on success.
    """
    if leaf_index < 0 or tree_size < 0:
        raise ProofError(f"negative index or size (leaf_index={leaf_index}, size={tree_size})")
    if leaf_index >= tree_size:
        raise ProofError(f"leaf_index {leaf_index} is not below tree_size {tree_size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf)} bytes, expected {HASH_SIZE}")
    _check_hashes(proof, "inclusion proof")
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for i, p in enumerate(proof):
        if sn == 0:
            raise ProofError(f"inclusion proof too long: element {i} is beyond the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof too short: {len(proof)} elements do not reach the root")
    if r != root:
        raise ProofError(
            f"computed root {r.hex()} differs from the expected root {root.hex()} "
            f"(leaf {leaf_index} of {tree_size})"
        )


def verify_consistency(
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1).

    RFC 9162 2.1.4.2, with the policy of the transparency-dev vectors: size1 = 0 is refused
    (nothing to prove), and equal sizes need an empty proof and equal roots.
    Raises ProofError saying which step failed.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"negative tree size (size1={size1}, size2={size2})")
    if size2 < size1:
        raise ProofError(f"size2 {size2} is smaller than size1 {size1}: the log shrank")
    if size1 == 0:
        raise ProofError("size1 is 0: a consistency proof from the empty tree is not defined")
    _check_hashes(proof, "consistency proof")
    if size1 == size2:
        if proof:
            raise ProofError(f"sizes are equal ({size1}) but the proof is not empty")
        if root1 != root2:
            raise ProofError(
                f"same size {size1} but different roots {root1.hex()} / {root2.hex()}: a fork"
            )
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for i, c in enumerate(path[1:], start=1):
        if sn == 0:
            raise ProofError(f"consistency proof too long: element {i} is beyond the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof too short: {len(proof)} elements do not reach root2")
    if fr != root1:
        raise ProofError(
            f"old root recomputed as {fr.hex()} but checkpoint says {root1.hex()} "
            f"(size {size1}): the old tree is not a prefix (truncated or forked log)"
        )
    if sr != root2:
        raise ProofError(
            f"new root recomputed as {sr.hex()} but checkpoint says {root2.hex()} "
            f"(size {size2}): the new tree does not extend the old one"
        )
