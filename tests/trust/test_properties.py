"""Conformance properties (hypothesis): every generated proof verifies, any flipped bit fails.

The reference is RFC 9162 2.1.1 itself: roots are compared with the plain recursive MTH
(root_from_leaf_hashes), which the published vectors pin in test_rfc9162_vectors.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.trust import (
    MemoryNodeStore,
    MerkleLog,
    ProofError,
    StoreError,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)


def _build(n: int) -> tuple[MerkleLog, list[bytes]]:
    data = [i.to_bytes(4, "big") for i in range(n)]
    log = MerkleLog()
    # mixed batch sizes exercise the incremental right-edge update
    pos = 0
    step = 1
    while pos < n:
        log.append_many(data[pos : pos + step])
        pos += step
        step = step % 5 + 1
    return log, [leaf_hash(d) for d in data]


def _flip(b: bytes, bit: int) -> bytes:
    i = (bit // 8) % len(b)
    return b[:i] + bytes([b[i] ^ (1 << (bit % 8))]) + b[i + 1 :]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 70), data=st.data())
def test_every_inclusion_proof_verifies_and_bitflips_fail(n: int, data: st.DataObject) -> None:
    log, hashes = _build(n)
    size = data.draw(st.integers(1, n))
    root = root_from_leaf_hashes(hashes[:size])
    assert log.root(size) == root
    for m in range(size):
        proof = log.inclusion_proof(m, size)
        verify_inclusion(m, size, hashes[m], proof, root)
    m = data.draw(st.integers(0, size - 1))
    proof = log.inclusion_proof(m, size)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_inclusion(m, size, _flip(hashes[m], bit), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(m, size, hashes[m], proof, _flip(root, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(m, size, hashes[m], bad, root)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 70), data=st.data())
def test_every_consistency_proof_verifies_and_bitflips_fail(n: int, data: st.DataObject) -> None:
    log, hashes = _build(n)
    size2 = data.draw(st.integers(1, n))
    root2 = root_from_leaf_hashes(hashes[:size2])
    for size1 in range(1, size2 + 1):
        root1 = root_from_leaf_hashes(hashes[:size1])
        verify_consistency(size1, size2, log.consistency_proof(size1, size2), root1, root2)
    size1 = data.draw(st.integers(1, size2))
    root1 = root_from_leaf_hashes(hashes[:size1])
    proof = log.consistency_proof(size1, size2)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, _flip(root1, bit), root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, _flip(root2, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, bad, root1, root2)


def test_changed_leaf_fails_inclusion() -> None:
    log, _hashes = _build(21)
    proof = log.inclusion_proof(13)
    with pytest.raises(ProofError, match="differs from the expected root"):
        verify_inclusion(13, 21, leaf_hash(b"tampered"), proof, log.root())


def test_truncated_or_forked_log_fails_consistency() -> None:
    honest, _ = _build(20)
    forked = MerkleLog()
    forked.append_many([i.to_bytes(4, "big") for i in range(11)] + [b"evil"])
    forked.append_many([i.to_bytes(4, "big") for i in range(12, 25)])
    # forked log claims to extend the honest size-20 checkpoint
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(20, 25, forked.consistency_proof(20), honest.root(), forked.root())
    # a truncated log cannot prove it extends a bigger checkpoint
    with pytest.raises(ProofError, match="shrank"):
        verify_consistency(20, 15, [], honest.root(), honest.root(15))


def test_store_is_append_only_and_refuses_gaps() -> None:
    store = MemoryNodeStore()
    log = MerkleLog(store)
    log.append(b"a")
    with pytest.raises(StoreError, match="append-only"):
        store.append_nodes([((0, 0), bytes(32))], 2)
    with pytest.raises(StoreError, match="expected"):
        store.append_nodes([((0, 1), bytes(32))], 3)
    assert store.tree_size() == 1
    with pytest.raises(StoreError, match="not stored"):
        store.get_node(0, 1)


def test_proof_requests_outside_the_log_are_refused() -> None:
    log, _ = _build(4)
    with pytest.raises(ProofError, match="outside"):
        log.inclusion_proof(0, 5)
    with pytest.raises(ProofError, match="not in a tree"):
        log.inclusion_proof(4, 4)
    with pytest.raises(ProofError, match="size1"):
        log.consistency_proof(0, 4)
