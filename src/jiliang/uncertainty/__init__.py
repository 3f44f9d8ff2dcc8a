"""Uncertainty engine: GUM propagation, adaptive Monte Carlo and readable budgets.

A pure library (numpy/scipy, no Django). Implements JCGM 100 (GUM, = JJF 1059.1-2012),
JCGM 101 (Monte Carlo, = JJF 1059.2-2012) and the linear part of JCGM 102. See
docs/uncertainty.md for the model-file format and the JSON contract.
"""

from __future__ import annotations

from jiliang.uncertainty._complex import (
    ComplexEvaluation,
    ComplexInput,
    ComplexResult,
    complex_model,
    evaluate_complex,
    ucomplex,
    ucomplex_polar,
)
from jiliang.uncertainty._distributions import (
    Arcsine,
    CurvilinearTrapezoid,
    Distribution,
    Exponential,
    Gamma,
    LogNormal,
    Normal,
    Rectangular,
    StudentT,
    Trapezoidal,
    Triangular,
)
from jiliang.uncertainty._errors import (
    CorrelationError,
    ExpressionError,
    ModelFileError,
    UncertaintyError,
    UnitError,
)
from jiliang.uncertainty._gum import (
    BudgetRow,
    GumEvaluation,
    GumResult,
    coverage_factor,
    effective_dof,
    evaluate_gum,
)
from jiliang.uncertainty._lsq import LineFit, fit_straight_line
from jiliang.uncertainty._mc import (
    McEvaluation,
    McResult,
    Validation,
    coverage_intervals,
    evaluate_adaptive,
    evaluate_mc,
    numerical_tolerance,
    validate,
)
from jiliang.uncertainty._model import Input, Model, type_a, type_b, ureal
from jiliang.uncertainty._modelfile import (
    Evaluation,
    evaluate,
    evaluate_dict,
    evaluate_file,
    load_model,
    model_from_dict,
)
from jiliang.uncertainty._report import (
    budget_html,
    budget_json,
    budget_text,
    concise,
    plot_histogram,
)

__all__ = [
    "Arcsine",
    "BudgetRow",
    "ComplexEvaluation",
    "ComplexInput",
    "ComplexResult",
    "CorrelationError",
    "CurvilinearTrapezoid",
    "Distribution",
    "Evaluation",
    "Exponential",
    "ExpressionError",
    "Gamma",
    "GumEvaluation",
    "GumResult",
    "Input",
    "LineFit",
    "LogNormal",
    "McEvaluation",
    "McResult",
    "Model",
    "ModelFileError",
    "Normal",
    "Rectangular",
    "StudentT",
    "Trapezoidal",
    "Triangular",
    "UncertaintyError",
    "UnitError",
    "Validation",
    "budget_html",
    "budget_json",
    "budget_text",
    "complex_model",
    "concise",
    "coverage_factor",
    "coverage_intervals",
    "effective_dof",
    "evaluate",
    "evaluate_adaptive",
    "evaluate_complex",
    "evaluate_dict",
    "evaluate_file",
    "evaluate_gum",
    "evaluate_mc",
    "fit_straight_line",
    "load_model",
    "model_from_dict",
    "numerical_tolerance",
    "plot_histogram",
    "type_a",
    "type_b",
    "ucomplex",
    "ucomplex_polar",
    "ureal",
    "validate",
]
