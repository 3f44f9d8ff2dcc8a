"""The SQLite side of the append-only guard (see migrations/0002_append_only.py).

Each jiliang SQLite connection gets the SQL function jiliang_ledger_guard(); the triggers
refuse UPDATE/DELETE while it returns 1. It returns 0 only inside Django's own whole-database
flush (used between transactional tests and by `manage.py flush`), so emptying a whole test
database keeps working while any row-level change is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

GUARD_FUNCTION = "jiliang_ledger_guard"


@receiver(connection_created)
def install_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Register the guard function and let a whole-database flush through."""
    if connection.vendor != "sqlite":
        return
    state = {"flushing": False}
    connection.connection.create_function(
        GUARD_FUNCTION, 0, lambda: 0 if state["flushing"] else 1, deterministic=False
    )
    ops = connection.ops
    if getattr(ops, "_jiliang_guarded", False):
        original: Callable[[list[str]], None] = ops._jiliang_original_flush
    else:
        original = ops.execute_sql_flush
        ops._jiliang_original_flush = original
        ops._jiliang_guarded = True

    def execute_sql_flush(sql_list: list[str]) -> None:
        state["flushing"] = True
        try:
            original(sql_list)
        finally:
            state["flushing"] = False

    ops.execute_sql_flush = execute_sql_flush
