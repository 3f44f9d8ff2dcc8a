"""Market supervision core (pure, no Django): net quantity of prepackages (JJF 1070),
the re-runnable random draw of 双随机, and transparent risk scores. Rules are data under
src/jiliang/data/supervision/.
"""

from __future__ import annotations

from jiliang.supervision._data import data_file
from jiliang.supervision._draw import ALGORITHM, Draw, draw, new_seed, rank
from jiliang.supervision._errors import SupervisionDataError, SupervisionInputError
from jiliang.supervision._prepack import (
    UNITS,
    PrepackResult,
    SamplingPlan,
    editions,
    evaluate_lot,
    lambda_factor,
    net_values,
    sampling_plan,
    scale_fine_enough,
    tolerable_deficiency,
)
from jiliang.supervision._risk import (
    RiskScore,
    Term,
    drift_rate,
    risk_rules,
    score_instrument,
    score_owner,
)

__all__ = [
    "ALGORITHM",
    "UNITS",
    "Draw",
    "PrepackResult",
    "RiskScore",
    "SamplingPlan",
    "SupervisionDataError",
    "SupervisionInputError",
    "Term",
    "data_file",
    "draw",
    "drift_rate",
    "editions",
    "evaluate_lot",
    "lambda_factor",
    "net_values",
    "new_seed",
    "rank",
    "risk_rules",
    "sampling_plan",
    "scale_fine_enough",
    "score_instrument",
    "score_owner",
    "tolerable_deficiency",
]
