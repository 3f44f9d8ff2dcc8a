"""jiliang.energy: energy and carbon core (issue 14): readings store, VEE, accounts, engines.

A pure library (duckdb, pyarrow, numpy; no Django). The Django app ``jiliang.monitoring``
and the CLI ``jiliang energy`` call it. See docs/energy.md.
"""

from __future__ import annotations

from jiliang.energy._errors import DataError, EnergyError, ReadingsError, SiteError, StoreError
from jiliang.energy._store import bucket_of, scan, write_batch

__all__ = [
    "DataError",
    "EnergyError",
    "ReadingsError",
    "SiteError",
    "StoreError",
    "bucket_of",
    "scan",
    "write_batch",
]
