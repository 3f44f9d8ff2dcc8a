"""GB 17167 check of one energy user: equipping rate and accuracy of its energy meters.

Why a pure module: the rules are data (``data/energy/gb17167.yaml``, one block per edition,
each with its ``confirmed`` flag) and the tree is plain data, so the same check runs from the
monitoring pages, the CLI and the tests without Django.

The model of the standard used here (docs/energy.md, "GB 17167 check"):

- levels 1 boundary (进出用能单位), 2 main secondary unit (进出主要次级用能单位), 3 main
  equipment (主要用能设备); level 4 sub-items and nodes not flagged ``main`` are outside;
- the theoretical requirement (理论需要量) is one meter per node and per variety that the node
  must meter; a node declares its varieties, or else its own points' varieties count (the
  boundary: every variety metered anywhere in the tree, since all of it enters there);
- a (node, variety) is equipped when one of its points has a registered instrument in
  service; rate = equipped / required × 100, passing when rate ≥ the table's rate;
- accuracy (Table 4) is judged for the points of the levels the edition names
  (``accuracy_levels``; the others get ``no_rule``): electricity by the user's category I–V as a class (0.5S is stricter
  than 0.5), other varieties as a maximum permissible error in percent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jiliang.energy._data import load, varieties
from jiliang.energy._errors import EnergyError

LEVELS = {1: "boundary", 2: "secondary", 3: "equipment"}
LEVEL_NAMES = {1: "进出用能单位", 2: "进出主要次级用能单位", 3: "主要用能设备"}
CATEGORIES = ("I", "II", "III", "IV", "V")
DEFAULT_EDITION = "GB 17167-2006"
_CLASS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(S?)\s*$", re.IGNORECASE)


class EquippingError(EnergyError):
    """A tree or an edition the check refuses; the message names the field and the reason."""


@dataclass(frozen=True)
class Meter:
    """A measurement point and what the registry knows of its instrument."""

    point: str
    variety: str
    instrument: str = ""  # registry reference; "" when no registered instrument
    installed: bool = True  # the instrument is in service
    accuracy_class: str = ""  # as stated, e.g. "0.5S", "1.0"; "" when unknown
    mpe_percent: float | None = None  # stated MPE in %, else taken from the class


@dataclass(frozen=True)
class Node:
    """A node of the metering tree with the varieties it must meter."""

    code: str
    level: int
    name: str = ""
    varieties: tuple[str, ...] = ()
    meters: tuple[Meter, ...] = ()
    main: bool = True


@dataclass(frozen=True)
class Tree:
    """One energy user's tree; ``category`` is its electricity user category (I–V or "")."""

    user: str
    nodes: tuple[Node, ...] = field(default_factory=tuple)
    category: str = ""


def editions() -> list[dict[str, Any]]:
    """The shipped editions of the rules, as in the data file."""
    rows: list[dict[str, Any]] = load("gb17167")["editions"]
    return rows


def edition_rules(edition: str) -> dict[str, Any]:
    """The rules of ``edition``; refused when unknown or when it ships no tables."""
    for row in editions():
        if row["id"] == edition:
            if "equipping_rate" not in row:
                raise EquippingError(
                    f"edition {edition!r}: no tables shipped ({row.get('note', 'no note')})"
                )
            return row
    known = ", ".join(repr(r["id"]) for r in editions())
    raise EquippingError(f"edition {edition!r}: unknown; shipped: {known}")


def parse_class(text: str) -> tuple[float, bool] | None:
    """'0.5S' → (0.5, True), '1.0' → (1.0, False); None when not a class."""
    match = _CLASS.match(text or "")
    if match is None:
        return None
    return float(match.group(1)), bool(match.group(2))


def class_meets(actual: str, required: str) -> bool | None:
    """Whether class ``actual`` is at least as fine as ``required`` (None: unknown).

    Smaller numbers are finer; at the same number an S class (wide current range) is finer
    than the plain one, so 0.5 does not meet 0.5S while 0.2S meets 0.5S."""
    have, need = parse_class(actual), parse_class(required)
    if have is None or need is None:
        return None
    if have[0] != need[0]:
        return have[0] < need[0]
    return have[1] or not need[1]


def is_main(level: int, amounts: Mapping[str, float], edition: str = DEFAULT_EDITION) -> bool:
    """Whether a level-2 unit or level-3 equipment is "main" by the edition's limits
    (Tables 1 and 2): any variety's consumption or power, in the table's unit, at or above
    its limit. The boundary is always in."""
    if level == 1:
        return True
    limits = edition_rules(edition).get("main_thresholds", {}).get(LEVELS.get(level, ""), {})
    return any(
        variety in limits and amount >= float(limits[variety]["value"])
        for variety, amount in amounts.items()
    )


def _required_varieties(node: Node, tree: Tree) -> list[str]:
    if node.varieties:
        return list(dict.fromkeys(node.varieties))
    if node.level == 1:
        every = [m.variety for n in tree.nodes if n.level in LEVELS for m in n.meters]
        return list(dict.fromkeys(every))
    return list(dict.fromkeys(m.variety for m in node.meters))


def _gap(node: Node, variety: str) -> str | None:
    """None when equipped, else why not: no_meter, unregistered or not_installed."""
    points = [m for m in node.meters if m.variety == variety]
    if not points:
        return "no_meter"
    if any(m.instrument and m.installed for m in points):
        return None
    if any(m.instrument for m in points):
        return "not_installed"
    return "unregistered"


def _accuracy(meter: Meter, node: Node, rules: dict[str, Any], category: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "point": meter.point,
        "node": node.code,
        "level": node.level,
        "variety": meter.variety,
        "instrument": meter.instrument,
        "class": meter.accuracy_class,
        "required": None,
        "basis": "",
        "verdict": "no_rule",
        "reason": "",
    }
    rule = rules.get("accuracy", {}).get(meter.variety)
    if not meter.instrument:
        row.update(verdict="no_meter", reason="no registered instrument")
        return row
    scope = rules.get("accuracy_levels", [1])
    if node.level not in scope:
        row["reason"] = f"the edition's accuracy table applies to levels {scope}"
        return row
    if rule is None:
        row["reason"] = f"no accuracy rule for {meter.variety}"
        return row
    if "class_by_user_category" in rule:
        row["basis"] = "class"
        if category not in CATEGORIES:
            row.update(verdict="unknown", reason="electricity user category (I–V) not set")
            return row
        required = str(rule["class_by_user_category"][category])
        row["required"] = required
        meets = class_meets(meter.accuracy_class, required)
        if meets is None:
            row.update(verdict="unknown", reason="instrument states no accuracy class")
        else:
            row["verdict"] = "pass" if meets else "fail"
        return row
    row["basis"] = "mpe_percent"
    limit = float(rule["mpe_percent"])
    row["required"] = limit
    stated = meter.mpe_percent
    if stated is None:
        parsed = parse_class(meter.accuracy_class)
        stated = parsed[0] if parsed else None
    if stated is None:
        row.update(verdict="unknown", reason="instrument states neither MPE nor class")
    else:
        row["mpe_percent"] = stated
        row["verdict"] = "pass" if stated <= limit else "fail"
    return row


def _check_tree(tree: Tree) -> None:
    known = varieties()
    codes: set[str] = set()
    for node in tree.nodes:
        if node.code in codes:
            raise EquippingError(f"nodes: {node.code}: code appears twice")
        codes.add(node.code)
        if node.level not in (1, 2, 3, 4):
            raise EquippingError(f"nodes: {node.code}: level {node.level} is not 1–4")
        for variety in node.varieties:  # a typo would otherwise be a variety without rules
            if variety not in known:
                raise EquippingError(f"nodes: {node.code}: varieties: unknown {variety!r}")
    if tree.category and tree.category not in CATEGORIES:
        raise EquippingError(f"category: {tree.category!r} is not one of I, II, III, IV, V")


def check(tree: Tree, edition: str) -> dict[str, Any]:
    """The GB 17167 report of ``tree`` under ``edition`` (chosen explicitly)."""
    _check_tree(tree)
    rules = edition_rules(edition)
    rates: dict[str, list[float]] = rules["equipping_rate"]
    counts: dict[tuple[int, str], list[int]] = {}
    missing: list[dict[str, Any]] = []
    undeclared: list[str] = []
    outside: list[str] = []
    for node in tree.nodes:
        if node.level not in LEVELS:
            continue
        if not node.main:
            outside.append(node.code)
            continue
        wanted = _required_varieties(node, tree)
        if not wanted:
            undeclared.append(node.code)
        for variety in wanted:
            slot = counts.setdefault((node.level, variety), [0, 0])
            slot[0] += 1
            gap = _gap(node, variety)
            if gap is None:
                slot[1] += 1
            else:
                missing.append(
                    {
                        "node": node.code,
                        "name": node.name,
                        "level": node.level,
                        "variety": variety,
                        "reason": gap,
                    }
                )
    levels: list[dict[str, Any]] = []
    for level, key in LEVELS.items():
        rows: list[dict[str, Any]] = []
        for (lvl, variety), (required, equipped) in counts.items():
            if lvl != level:
                continue
            target = rates.get(variety)
            required_rate = None if target is None else float(target[level - 1])
            rows.append(
                {
                    "variety": variety,
                    "required": required,
                    "equipped": equipped,
                    "rate": round(100.0 * equipped / required, 2),
                    "required_rate": required_rate,
                    # integers, so that 19 of 20 against 95 % is exact
                    "pass": None
                    if required_rate is None
                    else equipped * 100 >= required_rate * required,
                    "missing": [
                        m["node"]
                        for m in missing
                        if m["level"] == level and m["variety"] == variety
                    ],
                }
            )
        levels.append({"level": level, "key": key, "name": LEVEL_NAMES[level], "rows": rows})
    scope = set(rules.get("accuracy_levels", [1]))
    accuracy = [
        _accuracy(meter, node, rules, tree.category)
        for node in tree.nodes
        if node.level in LEVELS and node.main
        for meter in node.meters
    ]
    too_coarse = [row for row in accuracy if row["verdict"] == "fail"]
    rate_fails = [r for lvl in levels for r in lvl["rows"] if r["pass"] is False]
    return {
        "user": tree.user,
        "edition": rules["id"],
        "document": rules.get("document", ""),
        "clause": rules.get("clause", ""),
        "confirmed": bool(rules.get("confirmed", False)),
        "category": tree.category,
        "accuracy_levels": sorted(scope),
        "levels": levels,
        "missing": missing,
        "accuracy": accuracy,
        "too_coarse": too_coarse,
        "undeclared": undeclared,
        "outside": outside,
        "pass": not rate_fails and not too_coarse,
    }


def tree_from_dict(data: Mapping[str, Any]) -> Tree:
    """A tree from plain data (the JSON shape of ``Tree``); refusals name the field."""
    try:
        nodes = tuple(
            Node(
                code=str(n["code"]),
                level=int(n["level"]),
                name=str(n.get("name", "")),
                varieties=tuple(str(v) for v in n.get("varieties", ())),
                main=bool(n.get("main", True)),
                meters=tuple(
                    Meter(
                        point=str(m["point"]),
                        variety=str(m["variety"]),
                        instrument=str(m.get("instrument", "") or ""),
                        installed=bool(m.get("installed", True)),
                        accuracy_class=str(m.get("accuracy_class", "") or ""),
                        mpe_percent=None
                        if m.get("mpe_percent") is None
                        else float(m["mpe_percent"]),
                    )
                    for m in n.get("meters", ())
                ),
            )
            for n in data.get("nodes", ())
        )
    except KeyError as exc:
        raise EquippingError(f"nodes: missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise EquippingError(f"nodes: {exc}") from None
    return Tree(user=str(data.get("user", "")), nodes=nodes, category=str(data.get("category", "")))
