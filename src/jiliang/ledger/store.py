"""The trust core's NodeStore protocol over the ledger_treenode table.

Reads fetch many nodes in one query (contiguous runs as one BETWEEN); appends insert the new
right-edge nodes and move the head in the caller's transaction, refusing a head that moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections

from jiliang.dbutil import insert_rows
from jiliang.ledger.models import NODE_LEVEL_SHIFT, LedgerHead, TreeNode, node_id
from jiliang.trust import NodeKey, StoreError

_CHUNK = 500


def _q(connection: Any, name: str) -> str:
    return str(connection.ops.quote_name(name))


class DbNodeStore:
    """NodeStore over the database. `size` is the head read (under lock) by the caller."""

    def __init__(self, size: int, using: str = "default") -> None:
        self._size = size
        self._using = using

    def tree_size(self) -> int:
        return self._size

    def get_node(self, level: int, index: int) -> bytes:
        return self.get_nodes([(level, index)])[0]

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        if not keys:
            return []
        connection = connections[self._using]
        table = _q(connection, TreeNode._meta.db_table)
        ids = [node_id(level, index) for level, index in keys]
        found: dict[int, bytes] = {}
        unique = sorted(set(ids))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement text for any number of keys: prepared once by psycopg,
                # so a proof pays no planning time.
                cursor.execute(
                    f"SELECT id, hash FROM {table} WHERE id = ANY(%s)",  # noqa: S608
                    [unique],
                )
                found.update((row[0], bytes(row[1])) for row in cursor.fetchall())
            elif unique[-1] - unique[0] == len(unique) - 1:
                cursor.execute(
                    f"SELECT id, hash FROM {table} WHERE id BETWEEN %s AND %s",  # noqa: S608
                    [unique[0], unique[-1]],
                )
                found.update((row[0], bytes(row[1])) for row in cursor.fetchall())
            else:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start : start + _CHUNK]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"SELECT id, hash FROM {table} WHERE id IN ({marks})",  # noqa: S608
                        chunk,
                    )
                    found.update((row[0], bytes(row[1])) for row in cursor.fetchall())
        try:
            return [found[i] for i in ids]
        except KeyError as exc:
            missing = int(exc.args[0])
            level, index = missing >> 48, missing & ((1 << 48) - 1)
            raise StoreError(f"tree node ({level}, {index}) is not stored") from None

    def append_nodes(self, nodes: Sequence[tuple[NodeKey, bytes]], new_size: int) -> None:
        connection = connections[self._using]
        head = _q(connection, LedgerHead._meta.db_table)
        insert_rows(
            TreeNode._meta.db_table,
            ("id", "hash"),
            # node_id inlined: one tuple per node, 2×10^4 nodes for a bulk import
            [((level << NODE_LEVEL_SHIFT) | index, digest) for (level, index), digest in nodes],
            self._using,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {head} SET size = %s WHERE id = 1 AND size = %s",  # noqa: S608
                [new_size, self._size],
            )
            if cursor.rowcount != 1:
                raise StoreError(f"the ledger head moved away from size {self._size}")
        self._size = new_size
