"""`jiliang prepack`: net quantity of a lot of prepackages (JJF 1070, OIML R 87).

The command line is a stable contract (docs/prepack.md). Heavy libraries (scipy, through
jiliang.supervision) load only when a command runs (tests/cli/test_startup.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Prepackaged goods: net-quantity evaluation of a lot (JJF 1070).", no_args_is_help=True
)

MAX_FILE_BYTES = 1_000_000
KEYS = ("nominal", "lot_size", "net", "gross", "tare", "edition", "product", "producer", "lot")


@app.callback()
def _main() -> None:
    """Prepackaged goods: net-quantity evaluation of a lot (JJF 1070)."""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _read(path: Path) -> dict[str, Any]:
    """The lot file as a mapping, or exit 2 with the file (and line) in the message."""
    import yaml

    from jiliang import yamlsafe

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(f"{path}: not UTF-8 text") from None
    try:
        data = yamlsafe.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise _fail(f"{path}: {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _fail(f"{path}: not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise _fail(f"{path}: expected a mapping with nominal, lot_size and net or gross")
    unknown = sorted(str(k) for k in data if k not in KEYS)
    if unknown:
        raise _fail(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join(KEYS)})")
    return data


def _text(result: dict[str, Any]) -> str:
    def num(v: Any) -> str:
        return "—" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    unit = result["unit"]
    avg = {True: "pass", False: "FAIL", None: "not applied (lot of 1-10)"}[result["average_ok"]]
    lines = [
        f"edition      {result['edition']}",
        f"nominal      {num(result['nominal'])} {unit}   lot size {result['lot_size']}",
        f"T            {num(result['T'])} {unit}   2T {num(result['T2'])} {unit}",
        f"sample size  {result['sample_size']}",
        f"mean         {num(result['mean'])} {unit}",
        f"s            {num(result['s'])}",
        f"lambda       {num(result['lambda'])}",
        f"mean limit   {num(result['mean_limit'])} {unit}   (Qn - lambda*s)",
        f"t1           {result['t1']} (allowed {result['c']})   T < shortfall <= 2T",
        f"t2           {result['t2']} (allowed 0)   shortfall > 2T",
        f"average      {avg}",
        f"count        {'pass' if result['count_ok'] else 'FAIL'}",
        f"verdict      {result['verdict'].upper()}",
    ]
    return "\n".join(lines)


@app.command()
def evaluate(
    lot_file: Annotated[Path, typer.Argument(help="Lot file (YAML).", metavar="LOT.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
) -> None:
    """Judge a lot: T, the plan's sample size, mean, s, lambda, counts and the verdict."""
    from jiliang.supervision import (
        SupervisionInputError,
        evaluate_lot,
        net_values,
    )

    data = _read(lot_file)
    try:
        nominal = data.get("nominal")
        if not isinstance(nominal, dict) or set(nominal) - {"value", "unit"}:
            raise SupervisionInputError("nominal", "expected {value: number, unit: g|kg|mL|L}")
        if "value" not in nominal or "unit" not in nominal:
            raise SupervisionInputError("nominal", "needs both value and unit")
        if "lot_size" not in data:
            raise SupervisionInputError("lot_size", "missing (the number of packages in the lot)")
        edition = data.get("edition")
        if edition is not None and not isinstance(edition, str):
            raise SupervisionInputError("edition", "expected text such as 'JJF 1070-2005'")
        values = net_values(data.get("net"), data.get("gross"), data.get("tare"))
        result = evaluate_lot(
            nominal["value"], nominal["unit"], data["lot_size"], values, edition
        ).to_dict()
    except SupervisionInputError as exc:
        raise _fail(f"{lot_file}: {exc.field}: {exc.reason}") from None
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        typer.echo(_text(result))


def register(root: typer.Typer) -> None:
    """Add `jiliang prepack` to the root command."""
    root.add_typer(app, name="prepack")
