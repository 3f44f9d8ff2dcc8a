"""Pin the public API of jiliang.uncertainty (httpx style): changes here are API changes."""

from __future__ import annotations

import jiliang.uncertainty as unc

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(unc.__all__) == EXPECTED


def test_every_exported_name_exists_and_is_public() -> None:
    for name in unc.__all__:
        obj = getattr(unc, name)
        assert obj is not None
        module = getattr(obj, "__module__", "jiliang.uncertainty")
        assert module.startswith("jiliang.uncertainty"), name


def test_no_django_import() -> None:
    import subprocess
    import sys

    code = (
        "import sys, jiliang.uncertainty; print(any(m.startswith('django') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
