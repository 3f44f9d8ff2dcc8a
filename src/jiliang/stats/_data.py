"""Loader for the constants of the measurement system kept in src/jiliang/data/stats/."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from jiliang.stats._errors import StatsDataError


@cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed YAML file ``data/stats/<name>.yaml`` (cached, read-only use)."""
    path = resources.files("jiliang").joinpath("data", "stats", f"{name}.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StatsDataError(f"missing data file data/stats/{name}.yaml") from exc
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise StatsDataError(f"data/stats/{name}.yaml: top level must be a mapping")
    return data


def number(name: str, *keys: str) -> float:
    """Return the number at ``keys`` in data file ``name``; fail loudly if absent."""
    node: Any = load(name)
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise StatsDataError(f"data/stats/{name}.yaml: missing key {'.'.join(keys)}")
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise StatsDataError(f"data/stats/{name}.yaml: {'.'.join(keys)} is not a number")
    return float(node)


def text(name: str, *keys: str) -> str:
    """Return the string at ``keys`` in data file ``name`` (e.g. a source citation)."""
    node: Any = load(name)
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise StatsDataError(f"data/stats/{name}.yaml: missing key {'.'.join(keys)}")
        node = node[key]
    return str(node)
