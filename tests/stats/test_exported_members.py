"""Pin the public API of jiliang.stats (httpx style): changes here are API changes."""

from __future__ import annotations

import jiliang.stats as st

EXPECTED = {
    "METHODS",
    "RELIABILITY_MODELS",
    "A3Result",
    "AttributePlan",
    "BinnedReliability",
    "ComparisonResult",
    "Consistency",
    "DegreeOfEquivalence",
    "DriftResult",
    "LabResult",
    "MandelResult",
    "ModelFit",
    "OCCurve",
    "PairwiseDoE",
    "ReferenceValue",
    "ReliabilityModel",
    "RobustEstimate",
    "S2Result",
    "SampleDraw",
    "StatsDataError",
    "StatsInputError",
    "VariablesDecision",
    "VariablesPlan",
    "acceptance_probability",
    "algorithm_a",
    "attribute_plan",
    "classify_score",
    "draw_sample",
    "en_satisfactory",
    "evaluate_comparison",
    "evaluate_cox",
    "fit_reliability_model",
    "interval_a3",
    "interval_s2",
    "interval_variables",
    "mandel_critical_h",
    "mandel_critical_k",
    "mandel_h_k",
    "plot_degrees_of_equivalence",
    "plot_mandel",
    "plot_oc_curve",
    "plot_reliability",
    "read_comparison_csv",
    "read_replicates_csv",
    "read_s2_csv",
    "reliability_model",
    "solve_reliability_interval",
    "variables_decision",
    "variables_plan",
}


def test_all_is_pinned() -> None:
    assert set(st.__all__) == EXPECTED
    assert len(st.__all__) == len(EXPECTED)


def test_every_exported_name_exists_and_is_public() -> None:
    for name in st.__all__:
        assert hasattr(st, name), name
        obj = getattr(st, name)
        module = getattr(obj, "__module__", "jiliang.stats._x")
        assert module.startswith("jiliang.stats"), (name, module)


def test_core_imports_no_django() -> None:
    import subprocess
    import sys

    code = "import sys, jiliang.stats, jiliang.cli.stats; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
