"""Measurement statistics: comparisons and proficiency testing, calibration intervals,
and acceptance sampling of lots. Pure library (no Django): frozen dataclasses in and out.
"""

from __future__ import annotations

from jiliang.stats._comparison import (
    METHODS,
    ComparisonResult,
    Consistency,
    DegreeOfEquivalence,
    LabResult,
    PairwiseDoE,
    ReferenceValue,
    classify_score,
    en_satisfactory,
    evaluate_comparison,
    evaluate_cox,
)
from jiliang.stats._errors import StatsDataError, StatsInputError
from jiliang.stats._intervals import (
    A3Result,
    BinnedReliability,
    DriftResult,
    ModelFit,
    S2Result,
    fit_reliability_model,
    interval_a3,
    interval_s2,
    interval_variables,
)
from jiliang.stats._io import read_comparison_csv, read_replicates_csv, read_s2_csv
from jiliang.stats._mandel import MandelResult, mandel_critical_h, mandel_critical_k, mandel_h_k
from jiliang.stats._plots import (
    plot_degrees_of_equivalence,
    plot_mandel,
    plot_oc_curve,
    plot_reliability,
)
from jiliang.stats._reliability import (
    RELIABILITY_MODELS,
    ReliabilityModel,
    reliability_model,
    solve_reliability_interval,
)
from jiliang.stats._robust import RobustEstimate, algorithm_a
from jiliang.stats._sampling import (
    AttributePlan,
    OCCurve,
    SampleDraw,
    VariablesDecision,
    VariablesPlan,
    acceptance_probability,
    attribute_plan,
    draw_sample,
    variables_decision,
    variables_plan,
)

__all__ = [
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
]
