"""Packaged rule data (src/jiliang/data/supervision/*.yaml), read once and checked."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from jiliang.supervision._errors import SupervisionDataError


@cache
def data_file(name: str) -> dict[str, Any]:
    """One packaged YAML file as a mapping (our own files: plain safe_load is enough)."""
    text = resources.files("jiliang").joinpath("data", "supervision", name).read_text("utf-8")
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise SupervisionDataError(f"data/supervision/{name}: not a mapping")
    return loaded


def require(mapping: dict[str, Any], key: str, where: str) -> Any:
    """mapping[key], or a data error naming the file and key."""
    if key not in mapping:
        raise SupervisionDataError(f"{where}: missing key {key!r}")
    return mapping[key]
