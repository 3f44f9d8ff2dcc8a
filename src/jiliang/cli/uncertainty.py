"""`jiliang uncertainty` commands: evaluate a model file by GUM and Monte Carlo.

The command line is a stable contract (docs/uncertainty.md); it never imports Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Measurement uncertainty: GUM and Monte Carlo (JCGM 100/101).", no_args_is_help=True
)


@app.callback()
def _main() -> None:
    """Measurement uncertainty: GUM and Monte Carlo (JCGM 100/101)."""


@app.command()
def evaluate(
    model_file: Annotated[Path, typer.Argument(help="Model file (YAML).", metavar="MODEL.yaml")],
    mc: Annotated[int | None, typer.Option("--mc", help="Monte Carlo with N trials.")] = None,
    adaptive: Annotated[
        bool, typer.Option("--adaptive", help="Adaptive Monte Carlo (JCGM 101 7.9).")
    ] = False,
    digits: Annotated[
        int | None,
        typer.Option("--digits", help="Significant digits of u for --adaptive and validation."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    second_order: Annotated[
        bool, typer.Option("--second-order", help="Add the GUM 5.1.2 higher-order terms.")
    ] = False,
    probability: Annotated[
        float | None,
        typer.Option("--probability", help="Coverage probability (overrides the file)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write a histogram (PNG or SVG) of the first output."),
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the budget tables as HTML.")
    ] = None,
) -> None:
    """Evaluate MODEL.yaml: GUM always; Monte Carlo with --mc N or --adaptive."""
    from jiliang.uncertainty import UncertaintyError, budget_html, evaluate_file, plot_histogram

    err = typer.echo
    if mc is not None and adaptive:
        err("error: use either --mc N or --adaptive, not both", err=True)
        raise typer.Exit(2)
    if digits is not None and not adaptive and mc is None:
        err("error: --digits needs --adaptive or --mc", err=True)
        raise typer.Exit(2)
    if plot is not None and mc is None and not adaptive:
        err("error: --plot needs --mc N or --adaptive", err=True)
        raise typer.Exit(2)
    try:
        result = evaluate_file(
            model_file,
            mc=mc,
            adaptive=adaptive,
            digits=digits,
            seed=seed,
            second_order=second_order,
            probability=probability,
        )
    except UncertaintyError as exc:
        err(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, allow_nan=False, ensure_ascii=False))
    else:
        typer.echo(result.report())
    if plot is not None and result.mc is not None:
        first = result.gum.results[0]
        plot_histogram(result.mc, first, first.name, plot)
    if html_out is not None:
        html_out.write_text("\n".join(budget_html(g) for g in result.gum.results), encoding="utf-8")
