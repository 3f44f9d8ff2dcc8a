"""Fast raw writes shared by apps that insert many rows at once (imports, demo, benchmarks).

Django's `bulk_create` assembles SQL per batch in Python (~140 µs of CPU a row); these
helpers stream rows instead: `executemany` on SQLite (in-process, one prepared statement)
and `COPY … FROM STDIN` on PostgreSQL. Values go through each field's `get_db_prep_save`,
so dates, JSON and time zones are stored exactly as the ORM would store them. Callers run
inside a transaction (an import is all-or-nothing); nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model

__all__ = ["allocate_ids", "insert_objects", "insert_rows"]


def insert_rows(
    table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], using: str = "default"
) -> None:
    """Insert plain rows (values already in database form) into a table."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)
            return
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def allocate_ids(model: type[Model], count: int, using: str = "default") -> list[int]:
    """Reserve `count` primary keys for rows inserted with explicit ids.

    PostgreSQL: from the column's sequence (safe under concurrent writers). SQLite: above both
    the largest id and the AUTOINCREMENT counter; only one writer holds the database, and a
    writer that committed after our read makes our first insert fail (WAL snapshot), never
    reuse an id.
    """
    if count <= 0:
        return []
    connection = connections[using]
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(int(largest), int(row[0]) if row else 0) + 1
    return list(range(start, start + count))


def insert_objects(objects: Sequence[Model], using: str = "default") -> None:
    """Insert unsaved model instances of one model with fresh primary keys (set on them).

    No signals are sent (like `bulk_create`); the caller writes the change records.
    """
    if not objects:
        return
    model = type(objects[0])
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields]
    for obj, pk in zip(objects, allocate_ids(model, len(objects), using), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    rows = [
        tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
        for obj in objects
    ]
    insert_rows(model._meta.db_table, [f.column for f in fields], rows, using)
