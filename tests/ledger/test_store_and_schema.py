"""The database-backed tree reproduces the published RFC 9162 vectors, and the schema itself
refuses updates and deletes of log rows (SQLite triggers / PostgreSQL plpgsql triggers)."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import DatabaseError, transaction

from jiliang.ledger import services
from jiliang.ledger.models import LogEntry, SignedCheckpoint, TreeNode
from jiliang.ledger.store import DbNodeStore
from jiliang.trust import LogRecord, MerkleLog, verify_consistency, verify_inclusion

from .helpers import RFC9162

VECTORS = json.loads((RFC9162 / "tree_sizes_0_to_8.json").read_text())


def _append_vector_leaves() -> None:
    """Append the 8 standard leaves of transparency-dev/merkle testonly/constants.go."""
    for data_hex in VECTORS["leaf_inputs_hex"]:
        with transaction.atomic():
            size = services._lock_head("default")
            log = MerkleLog(DbNodeStore(size))
            log.append(bytes.fromhex(data_hex))


def test_db_store_reproduces_rfc9162_roots_and_nodes(db) -> None:
    _append_vector_leaves()
    log = services.merkle_log()
    assert log.size == 8
    # Root hashes for every tree size 0..8 (constants.go RootHashes, EmptyRootHash).
    for row in VECTORS["roots"]:
        assert log.root(row["tree_size"]).hex() == row["root_hex"]
    # Every stored complete subtree equals constants.go NodeHashes.
    for level, hashes in enumerate(VECTORS["node_hashes_by_level"]):
        for index, h in enumerate(hashes):
            assert log.store.get_node(level, index).hex() == h


@pytest.mark.parametrize("name", ["1", "2", "3", "4"])
def test_db_store_proofs_verify_the_published_happy_paths(db, name) -> None:
    _append_vector_leaves()
    log = services.merkle_log()
    inc = json.loads((RFC9162 / "inclusion" / name / "happy-path.json").read_text())
    proof = log.inclusion_proof(inc["leafIdx"], inc["treeSize"])
    assert [base64.b64encode(p).decode() for p in proof] == inc["proof"]
    verify_inclusion(
        inc["leafIdx"],
        inc["treeSize"],
        base64.b64decode(inc["leafHash"]),
        proof,
        base64.b64decode(inc["root"]),
    )
    con = json.loads((RFC9162 / "consistency" / name / "happy-path.json").read_text())
    cproof = log.consistency_proof(con["size1"], con["size2"])
    assert [base64.b64encode(p).decode() for p in cproof] == (con["proof"] or [])
    verify_consistency(
        con["size1"],
        con["size2"],
        cproof,
        base64.b64decode(con["root1"]),
        base64.b64decode(con["root2"]),
    )


def _one_entry() -> LogEntry:
    services.append([services.Item(LogRecord("test.event", 1, {"n": 1}))])
    return LogEntry.objects.get(leaf_index=0)


def test_orm_update_and_delete_of_log_rows_are_refused_by_the_schema(db) -> None:
    entry = _one_entry()
    services.sign_checkpoint_now()
    for statement in (
        lambda: LogEntry.objects.filter(pk=entry.pk).update(record_type="other.event"),
        lambda: LogEntry.objects.filter(pk=entry.pk).delete(),
        lambda: TreeNode.objects.all().update(hash=b"\x00" * 32),
        lambda: TreeNode.objects.all().delete(),
        lambda: SignedCheckpoint.objects.all().update(size=99),
        lambda: SignedCheckpoint.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    assert LogEntry.objects.get(pk=0).record == entry.record


def test_raw_sql_is_refused_too(db) -> None:
    _one_entry()
    from django.db import connection

    for sql in (
        "UPDATE ledger_logentry SET record = '{}' WHERE leaf_index = 0",
        "DELETE FROM ledger_logentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert LogEntry.objects.count() == 1


def test_appends_write_only_the_new_right_edge_nodes(db) -> None:
    # A tree of 7 leaves stores the 7 leaves plus the complete subtrees (1,0..2) and (2,0):
    # 11 nodes (RFC 9162 2.1.1: a node for each complete power-of-two subtree).
    for n in range(7):
        services.append([services.Item(LogRecord("test.event", 1, {"n": n}))])
    assert TreeNode.objects.count() == 7 + 3 + 1
    assert services.head_size() == 7
