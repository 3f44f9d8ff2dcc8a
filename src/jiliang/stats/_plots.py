"""Figures for reports (matplotlib Agg, no pyplot state, so safe in a web worker).

matplotlib is imported lazily, on the first figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from jiliang.stats._comparison import ComparisonResult
from jiliang.stats._intervals import BinnedReliability, S2Result
from jiliang.stats._mandel import MandelResult
from jiliang.stats._sampling import OCCurve

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    # imported here: matplotlib costs seconds to import and most callers never plot
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_degrees_of_equivalence(result: ComparisonResult, unit: str = "") -> Figure:
    """DoE chart: d_i with error bars U(d_i); excluded labs drawn hollow."""
    fig = _figure()
    ax = fig.add_subplot()
    xs = np.arange(len(result.labs))
    for i, d in enumerate(result.labs):
        ax.errorbar(
            xs[i],
            d.d,
            yerr=d.U_d,
            fmt="o",
            capsize=4,
            color="C0" if d.include else "C3",
            mfc="C0" if d.include else "white",
        )
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xticks(xs, [d.lab for d in result.labs], rotation=45, ha="right")
    suffix = f" / {unit}" if unit else ""
    ax.set_ylabel(f"d = x - x_ref{suffix}")
    ax.set_title(f"Degrees of equivalence ({result.method}, k = {result.reference.k:g})")
    return fig


def plot_mandel(result: MandelResult) -> Figure:
    """Mandel's h and k bar charts with the ISO 5725-2 indicator lines."""
    fig = _figure(8.0, 6.0)
    ax_h, ax_k = fig.subplots(2, 1, sharex=True)
    xs = np.arange(len(result.labs))
    ax_h.bar(xs, result.h, color="C0")
    ax_k.bar(xs, result.k, color="C1")
    for (alpha, hc), style in zip(result.h_critical, ("--", ":"), strict=False):
        ax_h.axhline(hc, ls=style, color="k", lw=0.8, label=f"{alpha:g}")
        ax_h.axhline(-hc, ls=style, color="k", lw=0.8)
    for (alpha, kc), style in zip(result.k_critical, ("--", ":"), strict=False):
        ax_k.axhline(kc, ls=style, color="k", lw=0.8, label=f"{alpha:g}")
    ax_h.set_ylabel("h")
    ax_k.set_ylabel("k")
    ax_h.legend(title="alpha", fontsize="small")
    ax_k.set_xticks(xs, list(result.labs), rotation=45, ha="right")
    ax_h.set_title("Mandel's h and k (ISO 5725-2)")
    return fig


def plot_oc_curve(curves: dict[str, OCCurve]) -> Figure:
    """One or more OC curves, P(accept) against fraction nonconforming."""
    fig = _figure()
    ax = fig.add_subplot()
    for label, curve in curves.items():
        ax.plot(curve.p, curve.pa, label=label)
    ax.set_xlabel("fraction nonconforming p")
    ax.set_ylabel("P(accept)")
    ax.set_ylim(0.0, 1.02)
    ax.legend()
    ax.grid(True, alpha=0.3)
    return fig


def plot_reliability(result: S2Result, data: BinnedReliability) -> Figure:
    """Observed reliability per bin and every accepted model's fitted R(t)."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(data.t, data.observed_reliability, "ko", label="observed")
    t = np.linspace(0.0, 1.5 * max(data.t), 200)
    for fit in result.models:
        if fit.accepted:
            lw = 2.0 if fit.model == result.best_model else 0.8
            ax.plot(t, fit.reliability(t), lw=lw, label=fit.model)
    ax.axhline(result.target, color="k", ls="--", lw=0.8)
    ax.set_xlabel("time since calibration")
    ax.set_ylabel("R(t)")
    ax.legend(fontsize="small")
    return fig
