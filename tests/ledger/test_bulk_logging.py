"""Logging a bulk import in one batch gives exactly the log that logging each certificate on
its own gives: the same leaf bytes, leaf hashes, entry columns, tree nodes and root; and the
batch path keeps deduplication (by number, across calls and inside one call)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiliang.ledger import records, services
from jiliang.ledger.models import LogEntry, TreeNode
from jiliang.ledger.services import Item
from jiliang.registry.models import Certificate
from jiliang.trust import LogRecord, leaf_hash, verify_inclusion


def _snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[int, bytes]], int, bytes]:
    entries = [
        (*row[:3], bytes(row[3]), *row[4:])
        for row in LogEntry.objects.order_by("leaf_index").values_list(
            "leaf_index",
            "record_type",
            "record",
            "leaf_hash",
            "subject_kind",
            "subject",
            "dedupe_key",
            "owner_id",
            "issuer_id",
        )
    ]
    nodes = [(i, bytes(h)) for i, h in TreeNode.objects.order_by("id").values_list("id", "hash")]
    return entries, nodes, services.head_size(), services.merkle_log().root()


def test_batch_logging_equals_one_by_one(world: Any) -> None:
    pks = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert len(pks) >= 3
    before = services.head_size()
    with transaction.atomic():
        for pk in pks:
            size = services.head_size()
            assert services.append(records.certificate_items([pk])) == [size]
        one_by_one = _snapshot()
        transaction.set_rollback(True)
    assert services.head_size() == before

    assert records.log_certificates(pks) == list(range(before, before + len(pks)))
    batch = _snapshot()
    assert batch == one_by_one
    entries, _, size, root = batch
    log = services.merkle_log()
    for index, _type, record, digest, *_ in entries[before:]:
        assert digest == leaf_hash(record.encode("utf-8"))
        verify_inclusion(index, size, digest, log.inclusion_proof(index), root)
    assert services.audit().ok
    # at-least-once callers: nothing is logged twice
    assert records.log_certificates(pks) == [None] * len(pks)
    assert records.sync_certificates() == 0


def test_batch_skips_logged_certificates(world: Any) -> None:
    pks = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    before = services.head_size()
    assert records.log_certificates(pks[:1]) == [before]
    result = records.log_certificates(pks)
    assert result == [None, *range(before + 1, before + len(pks))]
    assert services.head_size() == before + len(pks)


def test_dedupe_keys_with_quotes_and_backslashes(db: Any) -> None:
    """Keys go to the database as one array literal (PostgreSQL) or JSON (SQLite)."""
    keys = ['a"b', "c\\d", "{e,f}", "NULL", "", "中文 key", 'g\\"h']
    items = [
        Item(LogRecord("test.bulk_key", 1, {"n": i}), "test", str(i), key or None)
        for i, key in enumerate(keys)
    ]
    first = services.append([*items, items[0]])  # a key repeated inside one call
    assert first == [*range(first[0], first[0] + len(keys)), None]
    again = services.append(items)  # only the item without a key is appended again
    assert again == [None, None, None, None, first[-2] + 1, None, None]
