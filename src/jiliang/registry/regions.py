"""GB/T 2260 division names (data/regions/gb2260.csv) for the region picker and lookups.

Why a module of its own: `jiliang.codes` validates a code against the short table the
registry ships; a person picking a region types a name ("淄博", "张店") and needs the full
list of ~3,300 divisions at county level and above, read once and searched in memory.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

MAX_RESULTS = 20


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # the division's own name: 张店区
    level: str  # province, prefecture, county
    parent: str  # the code of the division it belongs to ('' for a province)
    path: str  # with its parents: 山东省 淄博市 张店区


@functools.cache
def regions() -> dict[str, Region]:
    """Every division of the shipped table by code, in the table's order."""
    source = resources.files("jiliang.data.regions").joinpath("gb2260.csv")
    raw: list[dict[str, str]] = []
    with source.open(encoding="utf-8") as handle:
        raw = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    names = {row["code"]: row["name_zh"] for row in raw}
    parents = {row["code"]: row["parent"] for row in raw}
    table: dict[str, Region] = {}
    for row in raw:
        parts = [row["name_zh"]]
        parent = row["parent"]
        while parent:
            if names.get(parent) not in (None, "市辖区", "县"):
                parts.insert(0, names[parent])
            parent = parents.get(parent, "")
        table[row["code"]] = Region(
            row["code"], row["name_zh"], row["level"], row["parent"], " ".join(parts)
        )
    return table


def region(code: str) -> Region | None:
    return regions().get(code)


def search(query: str, limit: int = MAX_RESULTS) -> list[Region]:
    """Divisions whose code starts with the query, or whose name (or path) contains it.

    Names that start with the query come first, then higher levels (a province before its
    counties), so "淄博" finds 淄博市 before the districts of Zibo.
    """
    text = query.strip()
    if not text:
        return []
    if text.isdigit():
        found = [r for code, r in regions().items() if code.startswith(text)]
    else:
        found = [r for r in regions().values() if text in r.path]
    order = {"province": 0, "prefecture": 1, "county": 2}
    found.sort(key=lambda r: (not r.name.startswith(text), text not in r.name, order[r.level]))
    return found[: max(0, limit)]
