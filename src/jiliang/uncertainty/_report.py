"""Reporting: concise notation, budget tables (text, HTML, JSON) and the histogram figure.

Why: a result is only useful when a reader can check it; the budget shows where the
uncertainty comes from, the figure shows whether the GUM density fits the Monte Carlo one.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np

from jiliang.uncertainty._gum import GumResult
from jiliang.uncertainty._mc import McEvaluation

__all__ = ["budget_html", "budget_json", "budget_text", "concise", "plot_histogram"]


def concise(value: float, u: float, digits: int = 2, unit: str | None = None) -> str:
    """``50.000838(32) mm``: value with u in parentheses on its last digits (GUM 7.2.2)."""
    if not (math.isfinite(value) and math.isfinite(u)) or u <= 0:
        s = f"{value:g}"
        return f"{s} {unit}" if unit else s
    if digits < 1:
        raise ValueError("digits must be >= 1")
    exp = math.floor(math.log10(u))
    dec = digits - 1 - exp
    ui = round(u * 10.0**dec)
    if ui >= 10**digits:  # 9.96 -> 10.0: one digit fewer after the point
        dec -= 1
        ui = round(u * 10.0**dec)
    if dec > 0:
        s = f"{value:.{dec}f}({ui})"
    else:
        step = 10.0 ** (-dec)
        s = f"{round(value / step) * step:.0f}({ui * step:.0f})"
    return f"{s} {unit}" if unit else s


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isinf(x)):
        return "inf"
    return f"{x:.4g}"


def budget_json(result: GumResult) -> list[dict[str, Any]]:
    """Rows as plain dicts; infinite dof written as None (JSON null)."""
    return [
        {
            "input": r.input,
            "value": r.value,
            "u": r.u,
            "distribution": r.distribution,
            "sensitivity": r.sensitivity,
            "contribution": r.contribution,
            "share": r.share,
            "dof": None if math.isinf(r.dof) else r.dof,
        }
        for r in result.budget
    ]


_HEAD = ("input", "value", "u(x)", "distribution", "c", "u_i(y)", "share", "dof")


def _rows(result: GumResult) -> list[tuple[str, ...]]:
    return [
        (
            r.input,
            f"{r.value:.8g}",
            _fmt(r.u),
            r.distribution,
            _fmt(r.sensitivity),
            _fmt(r.contribution),
            f"{100 * r.share:.1f} %",
            _fmt(r.dof),
        )
        for r in result.budget
    ]


def _summary(result: GumResult) -> str:
    dof = "undefined" if result.dof is None else _fmt(result.dof)
    s = (
        f"{result.name} = {concise(result.value, result.u, 2, result.unit)}; u_c = "
        f"{result.u:.3g}, dof = {dof}, k = {result.k:.3f}, U = {result.U:.3g} "
        f"(p = {result.probability:g})"
    )
    if result.second_order:
        s += f"; includes second-order terms (first order u = {result.u_first_order:.3g})"
    if result.dof_reason and result.dof is None:
        s += f"\n  dof: {result.dof_reason}"
    return s


def budget_text(result: GumResult) -> str:
    """Fixed-width budget table for terminals and logs."""
    rows = [_HEAD, *_rows(result)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEAD))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return _summary(result) + "\n" + "\n".join(lines)


def budget_html(result: GumResult) -> str:
    """A self-contained HTML table (escaped) for reports and certificates."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEAD)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in _rows(result)
    )
    cap = html.escape(_summary(result))
    return (
        f'<table class="uncertainty-budget"><caption>{cap}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def plot_histogram(mc: McEvaluation, gum: GumResult | None, output: str, path: str | Path) -> Path:
    """Histogram of the Monte Carlo values with the GUM density and both intervals (PNG/SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    path = Path(path)
    names = [r.name for r in mc.results]
    k = names.index(output)
    y = mc.sample[k]
    r = mc.results[k]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.hist(y, bins=200, density=True, color="#9ecae1", label=f"Monte Carlo ({y.size} shown)")
    if gum is not None and gum.u > 0:
        xs = np.linspace(float(np.min(y)), float(np.max(y)), 600)
        if gum.dof is None or math.isinf(gum.dof):
            pdf = stats.norm.pdf(xs, gum.value, gum.u)
        else:
            pdf = stats.t.pdf(xs, gum.dof, gum.value, gum.u)
        ax.plot(xs, pdf, color="#d62728", label="GUM")
        for x in gum.interval:
            ax.axvline(x, color="#d62728", ls=":", lw=1)
    for x in r.interval_symmetric:
        ax.axvline(x, color="#08519c", ls="--", lw=1)
    for x in r.interval_shortest:
        ax.axvline(x, color="#31a354", ls="-.", lw=1)
    ax.plot([], [], color="#08519c", ls="--", label="probabilistically symmetric")
    ax.plot([], [], color="#31a354", ls="-.", label="shortest")
    unit = f" / {r.unit}" if r.unit else ""
    ax.set_xlabel(f"{output}{unit}")
    ax.set_ylabel("probability density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
