"""The app's one door to the readings store of the core (`jiliang.energy.store`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_rows(root: Path, columns: dict[str, list[Any]], batch_id: str) -> list[Path]:
    """Write checked columns (the store's schema) durably as one batch; return its files."""
    import pyarrow as pa

    from jiliang.energy.store import SCHEMA, write_batch

    table = pa.table(columns, schema=SCHEMA)
    return write_batch(root, table, batch_id)


def read_table(root: Path, *, users: list[str] | None = None, **kwargs: Any) -> Any:
    """Deduplicated readings as an Arrow table (see `jiliang.energy.store.scan`)."""
    from jiliang.energy.store import scan

    return scan(root, users=users, **kwargs).to_arrow_table()


def write_columns(root: Path, table: Any, batch_id: str) -> list[Path]:
    """Write a checked Arrow table (the store's schema, one user) durably as one batch; the
    same layout as `write_rows`, its files written and fsync-ed in parallel (ingest path)."""
    from jiliang.monitoring.ingest_write import write_table

    return write_table(root, table, batch_id)
