"""The catalogue file format (JSON or YAML): ``{"cmcs": [...]}``, and a demand file.

The same shape is what the cloud's catalogue export writes (``cmc_to_dict``), so an export can
be matched offline with ``jiliang cmc match``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jiliang.capability._errors import CapabilityError
from jiliang.capability._model import Cmc, Demand, cmc_from_dict, demand_from_dict

__all__ = ["MAX_CMCS", "cmc_to_dict", "load_cmcs", "load_demand", "read_data"]

MAX_CMCS = 100_000


def read_data(path: Path) -> Any:
    """Plain data of a .json, .yaml or .yml file, bounded, or a CapabilityError naming the file."""
    from jiliang import yamlsafe

    name = str(path)
    try:
        text = yamlsafe.read_text(path)
    except yamlsafe.FileRefused as exc:
        raise CapabilityError(name, str(exc)) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CapabilityError(f"{name}:{exc.lineno}", f"not valid JSON ({exc.msg})") from None
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        try:
            return yamlsafe.load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            reason = getattr(exc, "problem", None) or str(exc)
            raise CapabilityError(where, f"not valid YAML ({reason})") from None
    raise CapabilityError(name, "must be a .json, .yaml or .yml file")


def load_cmcs(path: Path) -> list[Cmc]:
    data = read_data(path)
    rows = data.get("cmcs") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise CapabilityError(str(path), 'must hold a list of CMCs under the key "cmcs"')
    if len(rows) > MAX_CMCS:
        raise CapabilityError(str(path), f"more than {MAX_CMCS:,} CMCs")
    cmcs = [cmc_from_dict(row, f"{path}: cmcs[{i}]") for i, row in enumerate(rows)]
    seen: set[str] = set()
    for i, cmc in enumerate(cmcs):
        if cmc.id in seen:
            raise CapabilityError(f"{path}: cmcs[{i}].id", f"{cmc.id!r} appears twice")
        seen.add(cmc.id)
    return cmcs


def load_demand(path: Path) -> Demand:
    return demand_from_dict(read_data(path), f"{path}: demand")


def cmc_to_dict(cmc: Cmc) -> dict[str, Any]:
    """One CMC in the catalogue file format (the inverse of cmc_from_dict)."""
    u = cmc.uncertainty
    statement: dict[str, Any] = {"kind": u.kind, "unit": u.unit, "k": u.k}
    if u.kind == "value":
        statement["value"] = u.value
    elif u.kind == "range":
        statement.update(min=u.low, max=u.high)
    elif u.kind == "equation":
        statement["expression"] = u.expression
    else:
        statement["points"] = [list(p) for p in u.points]
    location: dict[str, Any] = {"division": cmc.location.division}
    if cmc.location.lat is not None:
        location.update(lat=cmc.location.lat, lon=cmc.location.lon)
    return {
        "id": cmc.id,
        "institution": cmc.institution,
        "quantity": cmc.quantity,
        "instrument": cmc.instrument,
        "range": {"min": cmc.range_min, "max": cmc.range_max, "unit": cmc.unit},
        "uncertainty": statement,
        "method": cmc.method,
        "location": location,
        "turnaround_days": cmc.turnaround_days,
        "standards": list(cmc.standards),
    }
