"""The energy core's data files (src/jiliang/data/energy/): read once, checked on use."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jiliang import yamlsafe
from jiliang.energy._errors import DataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "energy"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """One data file by stem (``coefficients``, ``factors``, ``varieties``, ``vee_rules``...)."""
    path = DATA_DIR / f"{name}.yaml"
    data = yamlsafe.load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise DataError(f"{path}: not a mapping")
    return data


def vee_rules() -> dict[str, Any]:
    """The VEE thresholds (vee_rules.yaml)."""
    return load("vee_rules")


def varieties() -> dict[str, dict[str, Any]]:
    """Energy varieties by key: name, GB/T 29870 code, dimension, base unit."""
    rows: dict[str, dict[str, Any]] = load("varieties")["varieties"]
    return rows


def unit_factor(variety: str, unit: str) -> float | None:
    """Factor from ``unit`` to the variety's base unit, or None when not accepted."""
    row = varieties().get(variety)
    if row is None:
        return None
    table: dict[str, float] = load("varieties")["units"][row["dimension"]]
    value = table.get(unit)
    return None if value is None else float(value)


def units_of(variety: str) -> list[str]:
    """Accepted units of a variety."""
    row = varieties()[variety]
    return list(load("varieties")["units"][row["dimension"]])


def edition(edition_id: str) -> dict[str, Any] | None:
    """A coefficient edition (GB/T 2589) by id, or None."""
    for row in load("coefficients")["editions"]:
        if row["id"] == edition_id:
            found: dict[str, Any] = row
            return found
    return None


def editions() -> list[str]:
    """Ids of the shipped coefficient editions."""
    return [row["id"] for row in load("coefficients")["editions"]]


def factor_set(key: str) -> dict[str, Any] | None:
    """An emission factor set by key, or None."""
    sets: dict[str, dict[str, Any]] = load("factors")["sets"]
    return sets.get(key)


def factor_keys() -> list[str]:
    """Keys of the shipped factor sets."""
    return sorted(load("factors")["sets"])


def conservative_correction() -> dict[str, Any]:
    """The correction applied to activity data from meters that were not verified."""
    found: dict[str, Any] = load("factors")["conservative_correction"]
    return found
