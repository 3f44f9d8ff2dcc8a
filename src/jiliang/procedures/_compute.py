"""Use a loaded procedure: MPE at a point, generated test points, the filled uncertainty model."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from jiliang.conformity import DecisionRule, Tolerance
from jiliang.procedures._errors import ProcedureError, out_of_bounds
from jiliang.procedures._model import (
    Mpe,
    Procedure,
    Range,
    StandardRequirement,
    TestPoint,
)

Number = Decimal | int | float | str
_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_]\w*)\}$")


def _number(value: object, origin: str, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ProcedureError(origin, path, f"expected a number, got {type(value).__name__}")
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise ProcedureError(origin, path, f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ProcedureError(origin, path, f"{value!r} is not finite")
    reason = out_of_bounds(result)
    if reason:
        raise ProcedureError(origin, path, reason)
    return result


def instrument_values(procedure: Procedure, instrument: Mapping[str, Number]) -> dict[str, Decimal]:
    """Check an instrument's parameters against the procedure: all given, none extra, positive."""
    origin = f"instrument for {procedure.code}"
    unknown = sorted(set(instrument) - set(procedure.parameters))
    if unknown:
        raise ProcedureError(
            origin,
            unknown[0],
            f"not a parameter of {procedure.code} ({', '.join(procedure.parameters)})",
        )
    result = {}
    for name, parameter in procedure.parameters.items():
        if name not in instrument:
            raise ProcedureError(
                origin, name, f"missing ({parameter.description}, in {parameter.unit})"
            )
        value = _number(instrument[name], origin, name)
        if value <= 0:
            raise ProcedureError(origin, name, f"must be positive, got {value}")
        result[name] = value
    return result


def generate_test_points(
    procedure: Procedure, instrument: Mapping[str, Number]
) -> tuple[TestPoint, ...]:
    """The test points for this instrument, in file order; points above ``only_up_to`` and
    repeats of an earlier point are left out (e.g. 2000 e on a scale with Max = 1000 e)."""
    params = instrument_values(procedure, instrument)
    points: list[TestPoint] = []
    seen: set[tuple[tuple[str, Decimal | str], ...]] = set()
    for spec in procedure.test_plan.points:
        values: dict[str, Decimal | str] = {
            name: at if isinstance(at, str) else at.value(params) for name, at in spec.at.items()
        }
        over = any(
            isinstance(values[name], Decimal) and values[name] > limit.value(params)  # type: ignore[operator]
            for name, limit in procedure.test_plan.only_up_to.items()
        )
        key = tuple(sorted(values.items()))
        if over or key in seen:
            continue
        seen.add(key)
        points.append(TestPoint(spec.label, values))
    return tuple(points)


def _point_values(
    procedure: Procedure, point: TestPoint | Mapping[str, Number]
) -> dict[str, Decimal | str]:
    origin = f"point for {procedure.code}"
    raw: Mapping[str, object] = point.values if isinstance(point, TestPoint) else point
    result: dict[str, Decimal | str] = {}
    for name, variable in procedure.variables.items():
        if name not in raw:
            raise ProcedureError(origin, name, "missing")
        if variable.kind == "label":
            label = str(raw[name])
            if label not in variable.values:
                raise ProcedureError(
                    origin, name, f"{label!r} is not one of {', '.join(variable.values)}"
                )
            result[name] = label
        else:
            result[name] = _number(raw[name], origin, name)
    unknown = sorted(set(raw) - set(procedure.variables))
    if unknown:
        raise ProcedureError(origin, unknown[0], f"not a variable of {procedure.code}")
    return result


def mpe_at(
    procedure: Procedure,
    point: TestPoint | Mapping[str, Number],
    instrument: Mapping[str, Number],
    accuracy_class: str,
    in_service: bool = False,
) -> Mpe:
    """The MPE (± value) at a point for an instrument of ``accuracy_class``.

    Initial (and subsequent) verification by default; ``in_service`` applies the procedure's
    in-service factor and is refused where the procedure defines none.
    """
    origin = f"MPE for {procedure.code}"
    if accuracy_class not in procedure.accuracy_classes:
        raise ProcedureError(
            origin,
            "accuracy_class",
            f"{accuracy_class!r} is not a class of {procedure.code}"
            f" ({', '.join(procedure.accuracy_classes)})",
        )
    params = instrument_values(procedure, instrument)
    values = _point_values(procedure, point)
    rule = procedure.mpe_rule
    value: Decimal | None = None
    if rule.kind == "table":
        assert rule.table is not None  # guaranteed by the parser for kind "table"
        key = values[rule.key]
        table_row = rule.table.get(key) if isinstance(key, Decimal) else None
        if table_row is None:
            raise ProcedureError(
                origin,
                rule.key,
                f"{key} {procedure.variables[rule.key].unit} is not a nominal value of the table",
            )
        value = table_row.get(accuracy_class)
        if value is None:
            raise ProcedureError(
                origin,
                rule.key,
                f"class {accuracy_class} has no MPE for {key} {procedure.variables[rule.key].unit}",
            )
    else:
        for band in rule.rows:
            if all(_matches(cond, values[name], params) for name, cond in band.when.items()):
                amount = band.mpe.get(accuracy_class)
                if amount is None:
                    continue
                value = amount.value(params)
                break
        if value is None:
            shown = ", ".join(f"{k} = {v}" for k, v in values.items())
            raise ProcedureError(
                origin,
                "point",
                f"no row of {rule.clause} covers {shown} for class {accuracy_class}",
            )
    if in_service:
        if rule.in_service_factor is None:
            raise ProcedureError(
                origin, "in_service", f"{procedure.code} defines no in-service MPE"
            )
        value = value * rule.in_service_factor
    clause = rule.in_service_clause if in_service else rule.clause
    return Mpe(value, rule.unit, rule.relative, accuracy_class, in_service, clause)


def _matches(
    condition: Range | tuple[str, ...], value: Decimal | str, params: Mapping[str, Decimal]
) -> bool:
    if isinstance(condition, Range):
        return isinstance(value, Decimal) and condition.contains(value, params)
    return value in condition


def decision_rule(procedure: Procedure) -> DecisionRule:
    """The procedure's decision rule as a jiliang.conformity rule."""
    spec = procedure.decision_rule
    if spec.kind == "jjf1094":
        return DecisionRule.jjf1094()
    if spec.kind == "simple_acceptance":
        return DecisionRule.simple_acceptance()
    if spec.kind == "guarded_acceptance":
        return DecisionRule.guarded_acceptance(spec.guard_band_factor)
    if spec.kind == "guarded_rejection":
        return DecisionRule.guarded_rejection(spec.guard_band_factor)
    return DecisionRule.non_binary(spec.guard_band_factor)


def tolerance(mpe: Mpe, nominal: Number = 0) -> Tolerance:
    """nominal ± MPE, ready for jiliang.conformity.decide (error points use nominal 0)."""
    return Tolerance.symmetric(nominal, mpe.value)


def render_uncertainty_model(procedure: Procedure, values: Mapping[str, object]) -> dict[str, Any]:
    """The procedure's model template with every whole-string ``${name}`` replaced.

    Substitution only, never evaluation: a placeholder must be the whole string and its name
    must be given; a missing name is an error naming the key path.
    """
    origin = f"uncertainty model of {procedure.code}"

    def fill(node: object, path: str) -> object:
        if isinstance(node, str):
            match = _PLACEHOLDER.match(node)
            if match is None:
                if "${" in node:
                    raise ProcedureError(
                        origin, path, f"{node!r}: a placeholder must be the whole value"
                    )
                return node
            name = match.group(1)
            if name not in values:
                raise ProcedureError(origin, path, f"no value given for ${{{name}}}")
            return copy.deepcopy(values[name])
        if isinstance(node, dict):
            return {key: fill(child, f"{path}.{key}") for key, child in node.items()}
        if isinstance(node, list):
            return [fill(child, f"{path}[{i}]") for i, child in enumerate(node)]
        return node

    result = fill(dict(procedure.uncertainty_model), "uncertainty_model")
    assert isinstance(result, dict)
    return result


def standard_requirements(
    procedure: Procedure,
    point: TestPoint | Mapping[str, Number],
    instrument: Mapping[str, Number],
    accuracy_class: str,
    in_service: bool = False,
) -> tuple[StandardRequirement, ...]:
    """The accuracy and range each required standard must have at this point.

    max_error = max_fraction_of_mpe × MPE (e.g. 1/3 in OIML R 76-1 3.7.1 and R 111-1 5.2),
    computed in decimal arithmetic; ranges are resolved with the instrument's parameters.
    """
    mpe = mpe_at(procedure, point, instrument, accuracy_class, in_service)
    params = instrument_values(procedure, instrument)
    result = []
    for standard in procedure.required_standards:
        fraction = standard.max_fraction_of_mpe
        limit = mpe.value * Decimal(fraction.numerator) / Decimal(fraction.denominator)
        ranges = {
            name: (
                None if span.lower is None else span.lower.value(params),
                None if span.upper is None else span.upper.value(params),
            )
            for name, span in standard.covers.items()
        }
        result.append(
            StandardRequirement(
                standard.quantity,
                standard.description,
                limit,
                mpe.unit,
                mpe.relative,
                ranges,
                standard.clause,
            )
        )
    return tuple(result)
