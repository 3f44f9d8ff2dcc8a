"""Every RFC 9162 vector in ../shared/testdata/rfc9162 (transparency-dev/merkle, 417fb0c).

Inclusion and consistency probes: the 6 happy paths must verify, every mutation
(wantErr: true) must be rejected. tree_sizes_0_to_8.json: roots and complete-subtree
hashes for the 8 standard leaves (testonly/constants.go), reproduced by our log.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from jiliang.trust import (
    MemoryNodeStore,
    MerkleLog,
    ProofError,
    empty_root,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

from .conftest import RFC9162


def _b64(s: str) -> bytes:
    return base64.b64decode(s)


def _proof(items: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in items or []]


INCLUSION = sorted((RFC9162 / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((RFC9162 / "consistency").rglob("*.json"))


def _id(path: Path) -> str:
    return "/".join(path.parts[-2:])


def test_vector_counts_match_readme() -> None:
    # README: 98 files per folder, 6 of them with wantErr false.
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    for files in (INCLUSION, CONSISTENCY):
        ok = [f for f in files if not json.loads(f.read_text())["wantErr"]]
        assert len(ok) == 6


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path) -> None:
    v: dict[str, Any] = json.loads(path.read_text())
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _proof(v["proof"]), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path) -> None:
    v: dict[str, Any] = json.loads(path.read_text())
    args = (v["size1"], v["size2"], _proof(v["proof"]), _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


TREE = json.loads((RFC9162 / "tree_sizes_0_to_8.json").read_text())


def _leaves() -> list[bytes]:
    return [bytes.fromhex(h) for h in TREE["leaf_inputs_hex"]]


def _roots() -> list[bytes]:
    rows = sorted(TREE["roots"], key=lambda r: r["tree_size"])
    assert [r["tree_size"] for r in rows] == list(range(9))
    return [bytes.fromhex(r["root_hex"]) for r in rows]


def test_empty_root() -> None:
    assert empty_root() == _roots()[0]


def test_leaf_hashes_match_constants() -> None:
    assert [leaf_hash(d) for d in _leaves()] == [
        bytes.fromhex(h) for h in TREE["node_hashes_by_level"][0]
    ]


def test_roots_for_every_size() -> None:
    leaves = _leaves()
    log = MerkleLog()
    roots = _roots()
    for n, data in enumerate(leaves, start=1):
        log.append(data)
        assert log.root() == roots[n]
        assert root_from_leaf_hashes([leaf_hash(d) for d in leaves[:n]]) == roots[n]
    for n in range(len(leaves) + 1):
        assert log.root(n) == roots[n]


def test_stored_nodes_match_constants() -> None:
    log = MerkleLog()
    log.append_many(_leaves())
    for level, hashes in enumerate(TREE["node_hashes_by_level"]):
        for index, h in enumerate(hashes):
            assert log.store.get_node(level, index) == bytes.fromhex(h)


def test_generated_proofs_verify_for_sizes_1_to_8() -> None:
    leaves = _leaves()
    log = MerkleLog()
    log.append_many(leaves)
    roots = _roots()
    for n in range(1, 9):
        for m in range(n):
            proof = log.inclusion_proof(m, n)
            verify_inclusion(m, n, leaf_hash(leaves[m]), proof, roots[n])
        for m in range(1, n + 1):
            verify_consistency(m, n, log.consistency_proof(m, n), roots[m], roots[n])


def test_reopening_a_store_continues_the_tree() -> None:
    leaves = _leaves()
    store = MemoryNodeStore()
    MerkleLog(store).append_many(leaves[:5])
    again = MerkleLog(store)
    assert again.size == 5
    again.append_many(leaves[5:])
    assert again.root() == _roots()[8]
