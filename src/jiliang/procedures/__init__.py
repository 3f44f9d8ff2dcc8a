"""Procedures as data: JJG/JJF regulations loaded from versioned YAML files and validated.

Pure core (no Django): load and validate a procedure file (shipped or a lab's own), compute the
MPE for an instrument and point, generate test points, fill the uncertainty model template.
"""

from jiliang.procedures._compute import (
    decision_rule,
    generate_test_points,
    instrument_values,
    mpe_at,
    render_uncertainty_model,
    standard_requirements,
    tolerance,
)
from jiliang.procedures._errors import ProcedureError
from jiliang.procedures._model import (
    Amount,
    BandRow,
    DecisionRuleSpec,
    EnvironmentLimit,
    LocalizedText,
    Mpe,
    MpeRule,
    Parameter,
    PointSpec,
    Procedure,
    Range,
    RequiredStandard,
    Source,
    StandardRequirement,
    TestPlan,
    TestPoint,
    Variable,
    VerificationPeriod,
)
from jiliang.procedures._parse import (
    FORMAT,
    builtin_procedures,
    get_procedure,
    load_procedure,
    parse_procedure,
    parse_procedure_text,
)

__all__ = [
    "FORMAT",
    "Amount",
    "BandRow",
    "DecisionRuleSpec",
    "EnvironmentLimit",
    "LocalizedText",
    "Mpe",
    "MpeRule",
    "Parameter",
    "PointSpec",
    "Procedure",
    "ProcedureError",
    "Range",
    "RequiredStandard",
    "Source",
    "StandardRequirement",
    "TestPlan",
    "TestPoint",
    "Variable",
    "VerificationPeriod",
    "builtin_procedures",
    "decision_rule",
    "generate_test_points",
    "get_procedure",
    "instrument_values",
    "load_procedure",
    "mpe_at",
    "parse_procedure",
    "parse_procedure_text",
    "render_uncertainty_model",
    "standard_requirements",
    "tolerance",
]
