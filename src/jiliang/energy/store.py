"""Public storage API of the readings (partitioned Parquet, durable writes, DuckDB reads).

See ``jiliang.energy._store`` for the layout, durability and dedupe rule.
"""

from __future__ import annotations

from jiliang.energy._errors import StoreError
from jiliang.energy._store import (
    BUCKETS,
    COLUMNS,
    KINDS,
    SCHEMA,
    SOURCES,
    batch_file_name,
    bucket_of,
    day_of,
    has_readings,
    rows_to_table,
    scan,
    write_batch,
)

__all__ = [
    "BUCKETS",
    "COLUMNS",
    "KINDS",
    "SCHEMA",
    "SOURCES",
    "StoreError",
    "batch_file_name",
    "bucket_of",
    "day_of",
    "has_readings",
    "rows_to_table",
    "scan",
    "write_batch",
]
