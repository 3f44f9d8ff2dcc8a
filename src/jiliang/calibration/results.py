"""Observations and their results: the model's inputs per test point, the uncertainty engine,
the decision rule, the job's conclusion and what is missing before the recorder signs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from jiliang import conformity, procedures
from jiliang.calibration import decisions
from jiliang.calibration.decisions import Conclusion
from jiliang.calibration.models import Job, Observation
from jiliang.calibration.procedure_records import parsed
from jiliang.calibration.receipt import _editable, environment_problems, job_parameters, test_points
from jiliang.calibration.values import _number, convert
from jiliang.registry import services as registry_services
from jiliang.registry.models import Certificate


@dataclass(frozen=True)
class InputSpec:
    name: str
    is_list: bool
    unit: str


def required_inputs(job: Job) -> list[InputSpec]:
    """The model template's placeholders that the lab records per point (not filled by the
    point's variables or the instrument's parameters)."""
    proc = parsed(job.procedure)
    known = set(proc.variables) | set(proc.parameters)
    found: dict[str, InputSpec] = {}

    def walk(node: object, key: str, unit: str) -> None:
        if isinstance(node, dict):
            here = str(node.get("unit", unit))
            for k, child in node.items():
                walk(child, str(k), here)
        elif isinstance(node, list):
            for child in node:
                walk(child, key, unit)
        elif isinstance(node, str):
            match = re.fullmatch(r"\$\{([A-Za-z_]\w*)\}", node)
            if match and match.group(1) not in known:
                name = match.group(1)
                found.setdefault(name, InputSpec(name, key == "observations", unit))

    walk(dict(proc.uncertainty_model), "", "")
    return list(found.values())


def _point_index(points: tuple[procedures.TestPoint, ...], ref: object, field: str) -> int:
    text = str(ref).strip()
    for index, point in enumerate(points):
        if text == point.label:
            return index
    if text.isdigit() and 1 <= int(text) <= len(points):
        return int(text) - 1
    labels = ", ".join(p.label for p in points)
    raise ValidationError({field: f"{text!r} is not a test point of this job ({labels})"})


def _parse_input(spec: InputSpec, raw: object, field: str) -> float | list[float]:
    if spec.is_list:
        items = raw if isinstance(raw, list) else re.split(r"[;,\s]+", str(raw).strip())
        values = [float(_number(x, field)) for x in items if str(x).strip() != ""]
        if len(values) < 2:
            raise ValidationError({field: "give at least two observations"})
        return values
    return float(_number(raw, field))


def record_observations(job: Job, user: Any, rows: Iterable[Mapping[str, object]]) -> int:
    """Record rows {point, state, <input>: value}; all-or-nothing, then compute the results.

    ``point`` is the test point's label or its 1-based number; ``state`` as_found / as_left.
    Errors are keyed ``row N.field``.
    """
    _editable(job, user)
    points = test_points(job)
    specs = required_inputs(job)
    errors: dict[str, str] = {}
    parsed_rows: list[tuple[int, str, dict[str, object]]] = []
    seen: set[tuple[int, str]] = set()
    for n, row in enumerate(rows, start=1):
        where = str(row.get("__row__", f"row {n}"))
        try:
            index = _point_index(points, row.get("point", ""), f"{where}.point")
            state = str(row.get("state") or Observation.State.AS_FOUND).strip()
            if state not in Observation.State.values:
                raise ValidationError({f"{where}.state": f"{state!r}: use as_found or as_left"})
            if (index, state) in seen:
                raise ValidationError(
                    {f"{where}.point": f"{points[index].label} {state} given twice"}
                )
            seen.add((index, state))
            unknown = sorted(
                set(row) - {s.name for s in specs} - {"point", "state", "__row__", "label"}
            )
            if unknown:
                raise ValidationError(
                    {
                        f"{where}.{unknown[0]}": "not an input of this procedure's model "
                        f"({', '.join(s.name for s in specs)})"
                    }
                )
            values: dict[str, object] = {}
            for spec in specs:
                if spec.name not in row or row[spec.name] in ("", None):
                    raise ValidationError({f"{where}.{spec.name}": f"required ({spec.unit})"})
                values[spec.name] = _parse_input(spec, row[spec.name], f"{where}.{spec.name}")
            parsed_rows.append((index, state, values))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, messages[0])
    if errors:
        raise ValidationError(errors)
    if not parsed_rows:
        raise ValidationError({"rows": "no observations given"})
    computed = [(i, s, v, _compute(job, points[i], v)) for i, s, v in parsed_rows]
    with transaction.atomic():
        for index, state, values, result in computed:
            Observation.objects.update_or_create(
                job=job,
                point_index=index,
                state=state,
                defaults={"label": points[index].label, "inputs": values, **result},
            )
    return len(computed)


def read_spreadsheet(data: bytes, name: str) -> list[dict[str, object]]:
    """Rows of an .xlsx upload: header row with point, state and the model inputs."""
    import io

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError({"file": f"{name}: not an .xlsx workbook ({exc})"}) from None
    sheet = book.active
    if sheet is None:
        raise ValidationError({"file": f"{name}: no worksheet"})
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise ValidationError({"file": f"{name}: empty"})
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    if "point" not in header:
        raise ValidationError({"file": f"{name}: row 1 needs a 'point' column"})
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        entry: dict[str, object] = {"__row__": f"{name} row {number}"}
        for key, cell in zip(header, row, strict=False):
            if key:
                entry[key] = "" if cell is None else cell
        result.append(entry)
    return result


def _rule(job: Job, proc: procedures.Procedure) -> conformity.DecisionRule:
    if job.decision_rule == Job.Rule.JJF_1094:
        return conformity.DecisionRule.jjf1094()
    if job.decision_rule == Job.Rule.SIMPLE:
        return conformity.DecisionRule.simple_acceptance()
    if job.decision_rule == Job.Rule.GUARDED:
        return conformity.DecisionRule.guarded_acceptance(job.guard_band_factor)
    return procedures.decision_rule(proc)


def rule_text(job: Job) -> tuple[str, str]:
    """The stated decision rule (zh, en)."""
    rule = _rule(job, parsed(job.procedure))
    if rule.kind == conformity.RuleKind.JJF_1094:
        return decisions.JJF_1094_TEXT
    if rule.kind == conformity.RuleKind.SIMPLE_ACCEPTANCE:
        return decisions.SIMPLE_TEXT
    r = f"{rule.guard_band_factor.normalize():f}"
    if rule.kind == conformity.RuleKind.GUARDED_ACCEPTANCE:
        return (
            f"保护带接受，w = {r}·U（ILAC-G8:2019 4.2.2）",
            f"guarded acceptance, w = {r}·U (ILAC-G8:2019 4.2.2)",
        )
    return f"{rule.kind.value}, w = {r}·U", f"{rule.kind.value}, w = {r}·U"


def _compute(job: Job, point: procedures.TestPoint, inputs: Mapping[str, object]) -> dict[str, Any]:
    """Error, U, k from the uncertainty engine; MPE, decision and risk from conformity."""
    from jiliang.uncertainty import UncertaintyError, evaluate_dict

    proc = parsed(job.procedure)
    params = job_parameters(job)
    values: dict[str, object] = {k: float(v) for k, v in params.items()}
    for name, value in point.values.items():
        values[name] = float(value) if isinstance(value, Decimal) else value
    values.update(inputs)
    try:
        model = procedures.render_uncertainty_model(proc, values)
        evaluation = evaluate_dict(model, source=f"{proc.code} {point.label}")
    except (procedures.ProcedureError, UncertaintyError, ValueError) as exc:
        raise ValidationError(
            {f"point {point.label}": f"cannot evaluate the model: {exc}"}
        ) from None
    out = evaluation.gum.results[0]
    unit = out.unit or ""
    nominal = _nominal(proc, point, unit)
    error = out.value
    if nominal is not None and nominal != 0 and abs(out.value - nominal) < 0.5 * abs(nominal):
        error = out.value - nominal  # the model gives the value (e.g. conventional mass)
    result: dict[str, Any] = {
        "value": out.value,
        "error": error,
        "expanded_uncertainty": out.U,
        "coverage_factor": out.k,
        "probability": out.probability,
        "unit": unit,
        "mpe": None,
        "statement": "",
        "guard_band": None,
        "risk": None,
    }
    if proc.kind == "calibration" and not job.statement_requested:
        return result
    try:
        mpe = procedures.mpe_at(proc, point, params, job.accuracy_class, in_service=job.in_service)
    except procedures.ProcedureError as exc:
        raise ValidationError({f"point {point.label}": f"no MPE: {exc.reason}"}) from None
    mpe_value = Decimal(mpe.value)
    err_in_mpe_unit = Decimal(repr(error))
    u_in_mpe_unit = Decimal(repr(out.U))
    if unit and unit != mpe.unit:
        a = convert(err_in_mpe_unit, unit, mpe.unit)
        b = convert(u_in_mpe_unit, unit, mpe.unit)
        if a is None or b is None:
            raise ValidationError(
                {
                    f"point {point.label}": f"result unit {unit} cannot be compared with MPE {mpe.unit}"
                }
            )
        err_in_mpe_unit, u_in_mpe_unit = a, b
        result["error"] = float(a)
        result["expanded_uncertainty"] = float(b)
        result["unit"] = mpe.unit
    tolerance = procedures.tolerance(mpe)
    try:
        decision = conformity.decide(err_in_mpe_unit, u_in_mpe_unit, tolerance, _rule(job, proc))
    except conformity.ConformityError as exc:  # e.g. simple acceptance with U95 > MPEV/3
        raise ValidationError({f"point {point.label}": exc.reason}) from None
    u_std = float(u_in_mpe_unit) / out.k if out.k else 0.0
    if u_std > 0:
        risk = (
            conformity.specific_risk(err_in_mpe_unit, u_std, tolerance)
            if decision.accepted
            else conformity.conformance_probability(err_in_mpe_unit, u_std, tolerance)
        )
    else:
        risk = 0.0
    result.update(
        mpe=float(mpe_value),
        statement=decision.statement.value,
        guard_band=float(decision.guard_band),
        risk=risk,
    )
    return result


def _nominal(proc: procedures.Procedure, point: procedures.TestPoint, unit: str) -> float | None:
    for name, value in point.values.items():
        if isinstance(value, Decimal):
            converted = convert(value, proc.variables[name].unit, unit) if unit else value
            return float(converted) if converted is not None else None
    return None


def final_observations(job: Job) -> list[Observation]:
    """Per point the as-left result where there is one, else the as-found result."""
    chosen: dict[int, Observation] = {}
    for obs in job.observations.all():
        if obs.point_index not in chosen or obs.state == Observation.State.AS_LEFT:
            chosen[obs.point_index] = obs
    return [chosen[i] for i in sorted(chosen)]


def conclusion(job: Job) -> Conclusion:
    proc = parsed(job.procedure)
    finals = final_observations(job)
    if proc.kind == "calibration":
        stated = [o for o in finals if job.statement_requested]
        return Conclusion(
            Certificate.Kind.CALIBRATION,
            Certificate.Conclusion.CALIBRATED,
            [o.label for o in stated if not o.accepted and not o.undecided],
            bool(job.statement_requested),
            tuple(o.label for o in stated if o.undecided),
        )
    return decisions.verification_conclusion(finals)


def readiness_problems(job: Job) -> dict[str, str]:
    """What is missing before the recorder may sign."""
    problems: dict[str, str] = {}
    if not job.standards.exists():
        problems["standards"] = "no standard chosen"
    if job.work_date is None:
        problems["work_date"] = "record the date, place and environment"
    else:
        problems.update(environment_problems(job, job.environment))
        for standard in job.standards.all():
            issues = registry_services.standard_problems(standard, job.work_date)
            if issues:
                problems[f"standards.{standard.code}"] = "; ".join(issues)
    recorded = {o.point_index for o in job.observations.all()}
    missing = [p.label for i, p in enumerate(test_points(job)) if i not in recorded]
    if missing:
        problems["observations"] = f"no observations at {', '.join(missing)}"
    elif parsed(job.procedure).kind == "verification":
        problems.update(decisions.undecided_problem(conclusion(job)))
    return problems
