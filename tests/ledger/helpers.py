"""Helpers for tamper tests: switch the append-only triggers off inside the test transaction
(the DDL is rolled back with it on SQLite and PostgreSQL), as an attacker with raw database
access would."""

from __future__ import annotations

from pathlib import Path

from django.db import connection

PROTECTED = ("ledger_logentry", "ledger_treenode", "ledger_signedcheckpoint")
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
RFC9162 = SHARED / "testdata" / "rfc9162"


def disable_triggers() -> None:
    with connection.cursor() as cursor:
        for table in PROTECTED:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")
            else:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
