"""Statements of conformity: decision rules, guard bands, specific and global risk.

Pure core (no Django). Decisions use exact decimal arithmetic; risks use scipy.
"""

from jiliang.conformity._errors import ConformityError
from jiliang.conformity._mpe import MpeCheck, check_mpe
from jiliang.conformity._risk import (
    GlobalRisk,
    conformance_probability,
    global_risk,
    specific_risk,
)
from jiliang.conformity._rules import (
    Decision,
    DecisionRule,
    RuleKind,
    Statement,
    Tolerance,
    decide,
)

__all__ = [
    "ConformityError",
    "Decision",
    "DecisionRule",
    "GlobalRisk",
    "MpeCheck",
    "RuleKind",
    "Statement",
    "Tolerance",
    "check_mpe",
    "conformance_probability",
    "decide",
    "global_risk",
    "specific_risk",
]
