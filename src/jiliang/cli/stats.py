"""`jiliang stats` commands: comparisons, calibration intervals, sampling plans.

Pure core only (jiliang.stats): no Django import, so the commands work without a database.
Bad input prints "file, row N, field 'x': reason" on stderr and exits with status 2.
jiliang.stats (scipy, numpy, matplotlib) is imported inside each command, never at module
level, so that `jiliang --help` stays fast (tests/cli/test_startup.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from jiliang import stats as st

app = typer.Typer(
    help="Comparisons and proficiency testing, calibration intervals, sampling plans.",
    no_args_is_help=True,
)
interval_app = typer.Typer(help="Calibration intervals (NCSLI RP-1).", no_args_is_help=True)
app.add_typer(interval_app, name="interval")


def _clean(value: Any) -> Any:
    """Replace non-finite floats by None so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _emit_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(_clean(data), ensure_ascii=False, indent=2, allow_nan=False))


def _fail(exc: st.StatsInputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def _cell(value: float | None, spec: str) -> str:
    """A table cell: '-' for a score that needs an input not given (e.g. u)."""
    return "-" if value is None else format(value, spec)


@app.command()
def comparison(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with columns lab,value[,u][,dof][,include] (u: all but algorithm-a)"
        ),
    ],
    method: Annotated[
        str, typer.Option(help="weighted-mean|procedure-b|dersimonian-laird|pmm|algorithm-a")
    ] = "weighted-mean",
    sigma_pt: Annotated[
        float | None, typer.Option("--sigma-pt", help="SD for proficiency assessment (z, z')")
    ] = None,
    k: Annotated[float | None, typer.Option(help="coverage factor (default 2)")] = None,
    seed: Annotated[int, typer.Option(help="seed of the Monte Carlo methods")] = 20021,
    trials: Annotated[int | None, typer.Option(help="Monte Carlo trials")] = None,
    plot: Annotated[Path | None, typer.Option(help="write the DoE chart (png/svg/pdf)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Reference value, degrees of equivalence and scores of a comparison."""
    from jiliang import stats as st

    try:
        labs = st.read_comparison_csv(file)
        if method in st.METHODS and method != "algorithm-a" and any(lab.u is None for lab in labs):
            raise st.StatsInputError(
                f"missing column 'u': method {method} needs each lab's standard uncertainty; "
                "only --method algorithm-a works from values alone",
                source=str(file),
                row=1,
                field="u",
            )
        result = st.evaluate_comparison(
            labs, method, sigma_pt=sigma_pt, k=k, seed=seed, trials=trials
        )
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if plot is not None:
        st.plot_degrees_of_equivalence(result).savefig(plot)
    if as_json:
        _emit_json(result.to_dict())
        return
    ref = result.reference
    typer.echo(f"method: {result.method}")
    typer.echo(f"reference: {ref.value:.6g}  u = {ref.u:.3g}  U = {ref.U:.3g} (k = {ref.k:g})")
    if result.consistency is not None:
        c = result.consistency
        verdict = "consistent" if c.consistent else "NOT consistent"
        typer.echo(f"chi2 = {c.chi2:.4g} on {c.dof} dof, p = {c.p:.3g}: {verdict}")
    if result.tau is not None:
        typer.echo(f"tau = {result.tau:.4g}")
    if result.sigma_pt is not None and all(d.u is None for d in result.labs):
        typer.echo(f"sigma_pt = {result.sigma_pt:.4g}; no u given: U(d), En and zeta are '-'")
    typer.echo(f"{'lab':<12}{'d':>12}{'U(d)':>12}{'En':>9}{'zeta':>9}{'z':>9}")
    for d in result.labs:
        mark = "" if d.include else " (excluded)"
        typer.echo(
            f"{d.lab:<12}{d.d:>12.4g}{_cell(d.U_d, '.4g'):>12}{_cell(d.En, '.3f'):>9}"
            f"{_cell(d.zeta, '.3f'):>9}{_fmt(d.z, 3):>9}{mark}"
        )


def _parse_results(text: str) -> list[int]:
    from jiliang import stats as st

    out: list[int] = []
    for i, cell in enumerate(text.split(","), start=1):
        cell = cell.strip()
        if cell not in ("0", "1"):
            raise st.StatsInputError(
                f"result {i} is {cell!r}; use 1 (in tolerance) or 0 (out)", field="--results"
            )
        out.append(int(cell))
    return out


@interval_app.command("a3")
def interval_a3(
    results: Annotated[str, typer.Option(help="comma-separated 1 (in tol.) / 0 (out of tol.)")],
    interval: Annotated[float, typer.Option(help="current interval in days")],
    target: Annotated[float, typer.Option(help="reliability target, e.g. 0.95")],
    confidence: Annotated[
        float | None, typer.Option(help="change confidence (default from RP-1 data: 0.5)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Method A3 interval test: keep or adjust the current interval."""
    from jiliang import stats as st

    try:
        res = st.interval_a3(_parse_results(results), interval, target, confidence=confidence)
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if as_json:
        _emit_json(res.to_dict())
        return
    typer.echo(f"observed reliability: {res.observed_reliability:.4g} ({res.in_tolerance}/{res.n})")
    typer.echo(f"rejection confidence: {res.rejection_confidence:.4g}")
    action = "adjust to" if res.changed else "keep"
    typer.echo(f"interval: {action} {res.interval:g} days (formula: {res.calculated_interval:.1f})")


@interval_app.command("s2")
def interval_s2(
    file: Annotated[Path, typer.Argument(help="CSV with columns t,n,observed_reliability")],
    target: Annotated[float, typer.Option(help="reliability target, e.g. 0.95")],
    plot: Annotated[Path | None, typer.Option(help="write the fitted curves (png/svg/pdf)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Method S2: binomial maximum likelihood over the RP-1 reliability models."""
    from jiliang import stats as st

    try:
        data = st.read_s2_csv(file)
        res = st.interval_s2(data, target)
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if plot is not None:
        st.plot_reliability(res, data).savefig(plot)
    if as_json:
        _emit_json(res.to_dict())
        return
    typer.echo(f"best model: {res.best_model or '-'}   interval: {_fmt(res.interval, 5)}")
    typer.echo(f"{'model':<24}{'interval':>10}{'rejection conf.':>17}  accepted")
    for m in res.models:
        typer.echo(
            f"{m.model:<24}{_fmt(m.interval, 5):>10}{_fmt(m.rejection_confidence, 3):>17}"
            f"  {'yes' if m.accepted else 'no'}"
        )


@app.command()
def plan(
    p1: Annotated[float, typer.Option(help="acceptable fraction nonconforming")],
    alpha: Annotated[float, typer.Option(help="producer's risk at p1")],
    p2: Annotated[float, typer.Option(help="limiting quality (fraction nonconforming)")],
    beta: Annotated[float, typer.Option(help="consumer's risk at p2")],
    lot: Annotated[int | None, typer.Option(help="lot size N (hypergeometric)")] = None,
    plot: Annotated[Path | None, typer.Option(help="write the OC curve (png/svg/pdf)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Smallest attribute sampling plan (n, c) through two points of the OC curve."""
    from jiliang import stats as st

    try:
        res = st.attribute_plan(p1, alpha, p2, beta, lot=lot)
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if plot is not None:
        st.plot_oc_curve({f"n = {res.n}, c = {res.c}": res.oc_curve()}).savefig(plot)
    if as_json:
        _emit_json(res.to_dict())
        return
    typer.echo(f"n = {res.n}, c = {res.c} ({res.distribution})")
    typer.echo(f"P(accept | p1 = {p1:g}) = {res.pa_p1:.4f}")
    typer.echo(f"P(accept | p2 = {p2:g}) = {res.pa_p2:.4f}")


@app.command()
def mandel(
    file: Annotated[Path, typer.Argument(help="CSV with columns lab,value (one replicate a row)")],
    plot: Annotated[
        Path | None, typer.Option(help="write the h and k charts (png/svg/pdf)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Mandel's h and k consistency statistics (ISO 5725-2) from replicate results."""
    from jiliang import stats as st

    try:
        res = st.mandel_h_k(st.read_replicates_csv(file))
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if plot is not None:
        st.plot_mandel(res).savefig(plot)
    if as_json:
        _emit_json(
            {
                "labs": [
                    {"lab": lab, "mean": m, "s": s, "h": h, "k": k}
                    for lab, m, s, h, k in zip(
                        res.labs, res.means, res.sds, res.h, res.k, strict=True
                    )
                ],
                "h_critical": {f"{a:g}": v for a, v in res.h_critical},
                "k_critical": {f"{a:g}": v for a, v in res.k_critical},
            }
        )
        return
    typer.echo(f"{'lab':<12}{'h':>9}{'k':>9}")
    for lab, h, k in zip(res.labs, res.h, res.k, strict=True):
        typer.echo(f"{lab:<12}{h:>9.3f}{k:>9.3f}")
    for (a, hc), (_, kc) in zip(res.h_critical, res.k_critical, strict=True):
        typer.echo(f"critical at {a:g}: h = {hc:.3f}, k = {kc:.3f}")


@app.command()
def draw(
    file: Annotated[Path, typer.Argument(help="text file, one meter ID per line")],
    n: Annotated[int, typer.Option(help="sample size")],
    seed: Annotated[str, typer.Option(help="seed recorded with the draw")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Seeded, auditable draw of a sample of IDs from a lot."""
    from jiliang import stats as st

    try:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            raise st.StatsInputError("cannot read file as UTF-8 text", source=str(file)) from exc
        ids = [line.strip() for line in lines if line.strip()]
        res = st.draw_sample(ids, n, seed)
    except st.StatsInputError as exc:
        raise _fail(exc) from exc
    if as_json:
        _emit_json(res.to_dict())
        return
    typer.echo(f"# seed={res.seed} algorithm={res.algorithm} population={res.population_size}")
    for ident in res.selected:
        typer.echo(ident)
