"""jiliang.energy: energy and carbon core (issue 14): readings store, VEE, accounts, engines.

A pure library (duckdb, pyarrow, numpy; no Django). The Django app ``jiliang.monitoring``
and the CLI ``jiliang energy`` call it. See docs/energy.md.
"""

from __future__ import annotations

from jiliang.energy._accounts import accounts, co2_monte_carlo, tce_coefficient
from jiliang.energy._data import varieties
from jiliang.energy._engine import ENGINES, evaluate
from jiliang.energy._errors import DataError, EnergyError, ReadingsError, SiteError, StoreError
from jiliang.energy._series import SCHEMA as SERIES_SCHEMA
from jiliang.energy._series import validated_series, write_series
from jiliang.energy._site import (
    Factor,
    LegalInterval,
    Point,
    Replacement,
    Site,
    load_site,
    parse_site,
)
from jiliang.energy._store import bucket_of, scan, write_batch
from jiliang.energy._vee import FLAGS, DailyResult, evaluate_partition, flag_names, warm_up

__all__ = [
    "ENGINES",
    "FLAGS",
    "SERIES_SCHEMA",
    "DailyResult",
    "DataError",
    "EnergyError",
    "Factor",
    "LegalInterval",
    "Point",
    "ReadingsError",
    "Replacement",
    "Site",
    "SiteError",
    "StoreError",
    "accounts",
    "bucket_of",
    "co2_monte_carlo",
    "evaluate",
    "evaluate_partition",
    "flag_names",
    "load_site",
    "parse_site",
    "scan",
    "tce_coefficient",
    "validated_series",
    "varieties",
    "warm_up",
    "write_batch",
    "write_series",
]
