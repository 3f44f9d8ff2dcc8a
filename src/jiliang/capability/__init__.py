"""Calibration and measurement capabilities (CMCs) and matching of measurement demands.

A pure library (no Django). CMCs take the BIPM KCDB 2.0 shape; a demand is matched when a
CMC's range covers it and its uncertainty, evaluated at the demanded point, meets the
requirement (docs/cloud.md).
"""

from __future__ import annotations

from jiliang.capability._errors import CapabilityError
from jiliang.capability._evaluate import stated_u, u_at
from jiliang.capability._files import cmc_to_dict, load_cmcs, load_demand, read_data
from jiliang.capability._match import Excluded, Match, MatchResult, distance_km, match
from jiliang.capability._model import (
    Cmc,
    Demand,
    Location,
    Uncertainty,
    cmc_from_dict,
    demand_from_dict,
)

__all__ = [
    "CapabilityError",
    "Cmc",
    "Demand",
    "Excluded",
    "Location",
    "Match",
    "MatchResult",
    "Uncertainty",
    "cmc_from_dict",
    "cmc_to_dict",
    "demand_from_dict",
    "distance_km",
    "load_cmcs",
    "load_demand",
    "match",
    "read_data",
    "stated_u",
    "u_at",
]
