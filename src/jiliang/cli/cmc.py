"""`jiliang cmc`: match a measurement demand against calibration and measurement capabilities.

Stable contract (docs/cloud.md): ``jiliang cmc match CMCS.(json|yaml) DEMAND.yaml [--json]``
prints each matching CMC with its institution and U at the demanded point, and the reason each
other CMC was left out. Heavy libraries (pint) load only when the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Calibration and measurement capabilities (CMCs): match measurement demands.",
    no_args_is_help=True,
)


def _number(value: float) -> float:
    """U rounded to 3 significant digits for output (the comparison used the exact value)."""
    return float(f"{value:.3g}")


def result_json(result: Any) -> dict[str, Any]:
    demand = result.demand
    return {
        "demand": {
            "quantity": demand.quantity,
            "min": demand.low,
            "max": demand.high,
            "unit": demand.unit,
            "required_U": {
                "value": demand.required_u,
                "unit": demand.required_u_unit,
                "k": demand.required_k,
            },
        },
        "matches": [
            {
                "rank": i,
                "id": m.cmc.id,
                "institution": m.cmc.institution,
                "U": _number(m.u),
                "unit": m.unit,
                "k": demand.required_k,
                "distance_km": None if m.distance_km is None else round(m.distance_km, 1),
                "turnaround_days": m.cmc.turnaround_days,
            }
            for i, m in enumerate(result.matches, start=1)
        ],
        "excluded": [
            {"id": e.cmc.id, "institution": e.cmc.institution, "reason": e.reason}
            for e in result.excluded
        ],
    }


@app.command("match")
def match_command(
    cmcs: Annotated[Path, typer.Argument(help="Catalogue of CMCs (.json or .yaml), as exported.")],
    demand: Annotated[Path, typer.Argument(help="The demand (.yaml or .json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (stable keys).")] = False,
) -> None:
    """Rank the CMCs that can measure the demanded point; say why the others cannot."""
    from rich.console import Console
    from rich.table import Table

    from jiliang.capability import CapabilityError, load_cmcs, load_demand, match

    err = Console(stderr=True, soft_wrap=True)
    try:
        result = match(load_cmcs(cmcs), load_demand(demand))
    except CapabilityError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    body = result_json(result)
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    out = Console()
    table = Table(title=f"{len(result.matches)} matching CMC(s)")
    for column in ("#", "CMC", "institution", "U", "distance km", "days"):
        table.add_column(column)
    for row in body["matches"]:
        table.add_row(
            str(row["rank"]),
            row["id"],
            row["institution"],
            f"{row['U']:g} {row['unit']} (k={row['k']:g})",
            "—" if row["distance_km"] is None else f"{row['distance_km']:g}",
            "—" if row["turnaround_days"] is None else str(row["turnaround_days"]),
        )
    out.print(table)
    for row in body["excluded"]:
        out.print(f"left out {row['id']} ({row['institution']}): {row['reason']}", highlight=False)


def register(root: typer.Typer) -> None:
    """Add `jiliang cmc` to the root command."""
    root.add_typer(app, name="cmc")
