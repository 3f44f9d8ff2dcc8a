"""Honest measurement (诚信计量): fuel stations' mean nozzle error and trend, complaints that
end a trader's entry contract, and model units scored against rules as data
(data/supervision/honest.yaml)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.market import rules
from jiliang.market.models import Complaint, ModelUnit, NozzleResult, Premises


def station_errors(premises: Premises) -> dict[str, Any]:
    """Mean error of the station's nozzles at their latest test, the trend of the yearly
    means (least-squares slope, % per year), and the flag when systematically negative."""
    cfg = rules.honest()["fuel"]
    results = list(NozzleResult.objects.filter(premises=premises).order_by("tested_on"))
    latest: dict[int, NozzleResult] = {}
    for r in results:
        latest[r.instrument_id] = r
    errors = [r.error_percent for r in latest.values()]
    mean = math.fsum(errors) / len(errors) if errors else None
    years: dict[int, list[float]] = {}
    for r in results:
        years.setdefault(r.tested_on.year, []).append(r.error_percent)
    points = sorted((y, math.fsum(v) / len(v)) for y, v in years.items())
    slope = None
    if len(points) >= 2:
        xbar = math.fsum(p[0] for p in points) / len(points)
        ybar = math.fsum(p[1] for p in points) / len(points)
        sxx = math.fsum((p[0] - xbar) ** 2 for p in points)
        slope = math.fsum((p[0] - xbar) * (p[1] - ybar) for p in points) / sxx
    flagged = (
        mean is not None
        and len(errors) >= int(cfg["min_nozzles"])
        and mean < float(cfg["flag_mean_error_below"])
        and sum(1 for e in errors if e < 0) > len(errors) / 2
    )
    return {
        "nozzles": len(errors),
        "mean": mean,
        "yearly": points,
        "trend": slope,
        "flagged": flagged,
        "rule": cfg["source"],
    }


def justified_complaints(premises: Premises) -> int:
    return Complaint.objects.filter(premises=premises, state=Complaint.State.JUSTIFIED).count()


@transaction.atomic
def judge_complaint(complaint: Complaint, justified: bool) -> Premises:
    """Record the regulator's finding; the second justified complaint flags termination."""
    complaint.state = Complaint.State.JUSTIFIED if justified else Complaint.State.UNFOUNDED
    complaint.save(update_fields=["state"])
    premises = complaint.premises
    limit = int(rules.honest()["market"]["complaints_for_termination"])
    if justified_complaints(premises) >= limit and not premises.contract_terminated:
        premises.contract_terminated = True
        premises.save(update_fields=["contract_terminated"])
    return premises


def score(scores: dict[str, int]) -> tuple[int, bool]:
    """Total of the model-unit scoring items (each bounded by its max) and pass/fail."""
    cfg = rules.honest()["model_unit"]
    items = {i["code"]: int(i["max"]) for i in cfg["items"]}
    unknown = set(scores) - set(items)
    if unknown:
        raise ValidationError({"scores": [_("未知的评分项") + f": {sorted(unknown)[0]}"]})
    for code, value in scores.items():
        if not 0 <= value <= items[code]:
            raise ValidationError({code: [_("分数超出范围") + f" (0-{items[code]})"]})
    total = sum(scores.values())
    return total, total >= int(cfg["pass_mark"])


@transaction.atomic
def evaluate_unit(unit: ModelUnit, scores: dict[str, int], on: dt.date) -> ModelUnit:
    total, ok = score(scores)
    unit.scores = scores
    unit.total = total
    unit.state = ModelUnit.State.LISTED if ok else ModelUnit.State.REJECTED
    unit.listed_on = on if ok else None
    unit.save()
    return unit


@transaction.atomic
def remove_unit(unit: ModelUnit, reason: str) -> ModelUnit:
    if not reason.strip():
        raise ValidationError({"reason": [_("撤销须说明理由")]})
    unit.state = ModelUnit.State.REMOVED
    unit.removed_reason = reason.strip()[:300]
    unit.save()
    return unit
