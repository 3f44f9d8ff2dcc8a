"""Statements of conformity: decision rules, guard bands, specific and global risk.

Pure core (no Django). Decisions use exact decimal arithmetic; risks use scipy. The default
rule of verification (检定) is JJF 1094-2002 5.3 (``DecisionRule.jjf1094``).
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
    ratio_rule_met,
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
    "ratio_rule_met",
    "specific_risk",
]
