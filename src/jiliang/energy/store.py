"""Public storage API of the readings (partitioned Parquet, durable writes, DuckDB reads).

See ``jiliang.energy._store`` for the layout (day partitions and the inbox of batches that
span many days, moved into the day partitions by ``compact``), durability and dedupe rule.
"""

from __future__ import annotations

from jiliang.energy._errors import StoreError
from jiliang.energy._store import (
    BUCKETS,
    COLUMNS,
    INBOX,
    INBOX_DAYS,
    KINDS,
    SCHEMA,
    SOURCES,
    Compacted,
    batch_file_name,
    bucket_of,
    compact,
    day_file,
    day_of,
    drop_inbox_copy,
    goes_to_inbox,
    has_readings,
    inbox_file,
    rows_to_table,
    scan,
    write_batch,
)

__all__ = [
    "BUCKETS",
    "COLUMNS",
    "INBOX",
    "INBOX_DAYS",
    "KINDS",
    "SCHEMA",
    "SOURCES",
    "Compacted",
    "StoreError",
    "batch_file_name",
    "bucket_of",
    "compact",
    "day_file",
    "day_of",
    "drop_inbox_copy",
    "goes_to_inbox",
    "has_readings",
    "inbox_file",
    "rows_to_table",
    "scan",
    "write_batch",
]
