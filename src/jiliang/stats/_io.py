"""CSV readers for the stats CLI and platform imports: all-or-nothing, precise errors.

Row numbers count like a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from jiliang.stats._comparison import LabResult
from jiliang.stats._errors import StatsInputError
from jiliang.stats._intervals import BinnedReliability

_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def _rows(
    path: Path, required: Sequence[str], optional: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise StatsInputError("file not found", source=src) from exc
    except UnicodeDecodeError as exc:
        raise StatsInputError("file is not UTF-8 text", source=src) from exc
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise StatsInputError("file is empty", source=src, row=1) from exc
    for name in required:
        if name not in header:
            raise StatsInputError(f"missing column {name!r}", source=src, row=1, field=name)
    allowed = set(required) | set(optional)
    for name in header:
        if name not in allowed:
            raise StatsInputError(
                f"unknown column {name!r}; allowed: {', '.join([*required, *optional])}",
                source=src,
                row=1,
                field=name,
            )
    if len(set(header)) != len(header):
        raise StatsInputError("repeated column name", source=src, row=1)
    out: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise StatsInputError(
                f"expected {len(header)} cells, found {len(cells)}", source=src, row=number
            )
        out.append((number, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    if not out:
        raise StatsInputError("no data rows", source=src, row=2)
    return out


def _number(src: str, row: int, field: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError as exc:
        raise StatsInputError(
            f"{cell!r} is not a number", source=src, row=row, field=field
        ) from exc
    if not math.isfinite(value):
        raise StatsInputError(f"{cell!r} is not finite", source=src, row=row, field=field)
    return value


def read_comparison_csv(path: str | Path) -> tuple[LabResult, ...]:
    """Read ``lab,value[,u][,dof][,include]`` rows; any bad cell rejects the whole file.

    Without a ``u`` column every lab's u is None: a proficiency test that collected values
    only, which ISO 13528 Algorithm A can evaluate and the other methods refuse.
    """
    p = Path(path)
    src = str(p)
    labs: list[LabResult] = []
    seen: dict[str, int] = {}
    rows = _rows(p, ("lab", "value"), ("u", "dof", "include"))
    if "dof" in rows[0][1] and "u" not in rows[0][1]:
        raise StatsInputError(
            "column 'dof' needs column 'u' (degrees of freedom of u)",
            source=src,
            row=1,
            field="dof",
        )
    for row, cells in rows:
        name = cells["lab"]
        if not name:
            raise StatsInputError("lab name is empty", source=src, row=row, field="lab")
        if name in seen:
            raise StatsInputError(
                f"lab {name!r} already given in row {seen[name]}", source=src, row=row, field="lab"
            )
        seen[name] = row
        value = _number(src, row, "value", cells["value"])
        u: float | None = None
        if "u" in cells:
            u = _number(src, row, "u", cells["u"])
            if u <= 0.0:
                raise StatsInputError("u must be > 0", source=src, row=row, field="u")
        dof: float | None = None
        if cells.get("dof", ""):
            dof = _number(src, row, "dof", cells["dof"])
            if dof <= 0.0:
                raise StatsInputError("dof must be > 0", source=src, row=row, field="dof")
        include = True
        flag = cells.get("include", "").lower()
        if flag:
            if flag in _TRUE:
                include = True
            elif flag in _FALSE:
                include = False
            else:
                raise StatsInputError(
                    f"{cells['include']!r} is not true/false", source=src, row=row, field="include"
                )
        labs.append(LabResult(name, value, u, dof, include))
    return tuple(labs)


def read_s2_csv(path: str | Path) -> BinnedReliability:
    """Read ``t,n,observed_reliability`` rows (one per interval bin) for Method S2."""
    p = Path(path)
    src = str(p)
    t: list[float] = []
    n: list[int] = []
    r: list[float] = []
    for row, cells in _rows(p, ("t", "n", "observed_reliability"), ()):
        ti = _number(src, row, "t", cells["t"])
        if ti <= 0.0:
            raise StatsInputError("t must be > 0", source=src, row=row, field="t")
        ni = _number(src, row, "n", cells["n"])
        if ni < 1 or ni != int(ni):
            raise StatsInputError("n must be a whole number >= 1", source=src, row=row, field="n")
        ri = _number(src, row, "observed_reliability", cells["observed_reliability"])
        if not 0.0 <= ri <= 1.0:
            raise StatsInputError(
                "observed_reliability must lie in [0, 1]",
                source=src,
                row=row,
                field="observed_reliability",
            )
        if t and ti <= t[-1]:
            raise StatsInputError("t must increase from row to row", source=src, row=row, field="t")
        t.append(ti)
        n.append(int(ni))
        r.append(ri)
    return BinnedReliability(tuple(t), tuple(n), tuple(r))


def read_replicates_csv(path: str | Path) -> dict[str, tuple[float, ...]]:
    """Read ``lab,value`` rows (one replicate per row) into lab -> replicates, in file
    order, for Mandel's h and k."""
    p = Path(path)
    src = str(p)
    table: dict[str, list[float]] = {}
    for row, cells in _rows(p, ("lab", "value"), ()):
        name = cells["lab"]
        if not name:
            raise StatsInputError("lab name is empty", source=src, row=row, field="lab")
        table.setdefault(name, []).append(_number(src, row, "value", cells["value"]))
    return {lab: tuple(values) for lab, values in table.items()}
