"""Business rules of verification and calibration work, shared by the pages, the API and the CLI.

Every function takes the acting user and checks that the user may act; bad input raises a
Django ValidationError keyed by field (row/point where it applies) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiliang import conformity, procedures
from jiliang.accounts.staff import step_problems as staff_step_problems
from jiliang.calibration import decisions
from jiliang.calibration.access import (  # still importable from services
    certificates_visible_to as certificates_visible_to,
)
from jiliang.calibration.access import is_lab_staff as is_lab_staff
from jiliang.calibration.access import jobs_visible_to as jobs_visible_to
from jiliang.calibration.access import require_lab_staff as require_lab_staff
from jiliang.calibration.dcc_import import import_dcc as import_dcc  # moved; still importable
from jiliang.calibration.decisions import Conclusion as Conclusion  # moved; still importable
from jiliang.calibration.models import (
    IssuedDocument,
    Job,
    NumberSeries,
    Observation,
    ProcedureRecord,
    Recall,
    RecallItem,
    SignatureEvent,
)
from jiliang.calibration.returns import return_job as return_job  # still importable
from jiliang.registry import customers, rules, traceability, write_rules
from jiliang.registry import services as registry_services
from jiliang.registry.models import (
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    Quantity,
)
from jiliang.registry.signatories import registration_problems

# Unit factors used to compare a procedure's values (e.g. g) with a standard's range (e.g. kg).
# These are SI prefixes, not rules of the measurement system.
_MASS = {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000), "t": Decimal(10**6)}


def convert(value: Decimal, unit: str, to: str) -> Decimal | None:
    """``value`` in ``unit`` expressed in ``to``; None when the units cannot be compared."""
    if unit == to:
        return value
    if unit in _MASS and to in _MASS:
        return value * _MASS[unit] / _MASS[to]
    return None


# --- permissions (access.py) ------------------------------------------------------------------

# --- procedures -------------------------------------------------------------------------------


def _record_fields(procedure: procedures.Procedure, text: str, origin: str) -> dict[str, Any]:
    return {
        "kind": procedure.kind,
        "title_zh": procedure.title.zh,
        "title_en": procedure.title.en,
        "quantity": procedure.quantity,
        "accuracy_classes": list(procedure.accuracy_classes),
        "source_text": text,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "origin": origin,
    }


@transaction.atomic
def load_builtin_procedures() -> int:
    """Load the procedure files shipped under jiliang/data/procedures; idempotent."""
    folder = resources.files("jiliang.data").joinpath("procedures")
    count = 0
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        text = entry.read_text(encoding="utf-8")
        procedure = procedures.parse_procedure_text(text, entry.name)
        ProcedureRecord.objects.update_or_create(
            code=procedure.code,
            institution=None,
            defaults=_record_fields(procedure, text, entry.name),
        )
        count += 1
    return count


def add_procedure(user: Any, text: str, origin: str) -> ProcedureRecord:
    """A lab's own procedure, validated by jiliang.procedures; the same code replaces the lab's
    earlier version unless a job already uses it."""
    if user is None or not user.is_authenticated or user.role != "lab" or not user.institution_id:
        raise PermissionDenied("only laboratory staff may add procedures")
    try:
        procedure = procedures.parse_procedure_text(text, origin)
    except procedures.ProcedureError as exc:
        raise ValidationError({exc.path or "file": f"{exc.origin}: {exc.reason}"}) from None
    except ValueError as exc:
        # PyYAML's safe_load raises a bare ValueError for an impossible date (2026-02-30)
        raise ValidationError({"file": f"{origin}: YAML value error: {exc}"}) from None
    if ProcedureRecord.objects.filter(code=procedure.code, institution=None).exists():
        raise ValidationError(
            {"code": f"{procedure.code} is a shipped procedure; give your version its own code"}
        )
    existing = ProcedureRecord.objects.filter(
        code=procedure.code, institution_id=user.institution_id
    ).first()
    if existing is not None and existing.jobs.exists():
        raise ValidationError(
            {"code": f"{procedure.code} is used by jobs; give the new edition its own code"}
        )
    record, _ = ProcedureRecord.objects.update_or_create(
        code=procedure.code,
        institution_id=user.institution_id,
        defaults=_record_fields(procedure, text, origin),
    )
    return record


def procedures_for(user: Any) -> QuerySet[ProcedureRecord]:
    """Shipped procedures plus the user's institution's own."""
    qs = ProcedureRecord.objects.filter(institution__isnull=True)
    if user is not None and user.is_authenticated and user.institution_id:
        qs = qs | ProcedureRecord.objects.filter(institution_id=user.institution_id)
    return qs.order_by("code", "id")


def parsed(record: ProcedureRecord) -> procedures.Procedure:
    return _parse_cached(record.sha256, record.source_text, record.origin)


_CACHE: dict[str, procedures.Procedure] = {}


def _parse_cached(sha: str, text: str, origin: str) -> procedures.Procedure:
    if sha not in _CACHE:
        _CACHE[sha] = procedures.parse_procedure_text(text, origin)
    return _CACHE[sha]


# --- jobs -------------------------------------------------------------------------------------


def _number(value: object, field: str) -> Decimal:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = Decimal(str(value).strip())
    except Exception:
        raise ValidationError({field: f"{value!r} is not a number"}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{value!r} is not a finite number"})
    return number


@transaction.atomic  # the job and the relation its receipt creates
def create_job(
    user: Any,
    *,
    instrument: Instrument,
    receipt_number: str,
    received_on: dt.date,
    procedure: ProcedureRecord,
    accuracy_class: str,
    parameters: Mapping[str, object],
    condition: str = "",
    in_service: bool = False,
    statement_requested: bool = False,
    decision_rule: str = "",
    guard_band_factor: object = 1,
    english: bool = False,
) -> Job:
    """Receive an instrument: check the procedure, class and parameters before saving."""
    if user is None or not user.is_authenticated or user.role != "lab" or not user.institution_id:
        raise PermissionDenied("only laboratory staff receive instruments")
    if not receipt_number.strip():
        raise ValidationError({"receipt_number": "required"})
    if not Instrument.objects.visible_to(user).filter(pk=instrument.pk).exists():
        raise ValidationError({"instrument": "not an instrument visible to you"})
    if Job.objects.filter(lab_id=user.institution_id, receipt_number=receipt_number).exists():
        raise ValidationError({"receipt_number": f"{receipt_number} is already used"})
    if procedure.institution_id not in (None, user.institution_id):
        raise ValidationError({"procedure": "not a procedure of your laboratory"})
    proc = parsed(procedure)
    if accuracy_class not in proc.accuracy_classes:
        raise ValidationError(
            {
                "accuracy_class": f"{accuracy_class!r} is not a class of {proc.code} "
                f"({', '.join(proc.accuracy_classes)})"
            }
        )
    try:
        values = procedures.instrument_values(proc, dict(parameters))  # type: ignore[arg-type]
    except procedures.ProcedureError as exc:
        raise ValidationError({f"parameters.{exc.path}": exc.reason}) from None
    if in_service and proc.mpe_rule.in_service_factor is None:
        raise ValidationError({"in_service": f"{proc.code} defines no in-service MPE"})
    if decision_rule not in Job.Rule.values:
        raise ValidationError({"decision_rule": f"unknown rule {decision_rule!r}"})
    factor = _number(guard_band_factor, "guard_band_factor")
    if factor < 0:
        raise ValidationError({"guard_band_factor": "must not be negative"})
    job = Job.objects.create(
        lab_id=user.institution_id,
        instrument=instrument,
        receipt_number=receipt_number.strip(),
        received_on=received_on,
        condition=condition,
        procedure=procedure,
        accuracy_class=accuracy_class,
        in_service=in_service,
        parameters={k: str(v) for k, v in values.items()},
        statement_requested=statement_requested,
        decision_rule=decision_rule,
        guard_band_factor=factor,
        english=english,
        created_by=user,
    )
    # the receipt makes the owner a customer and the instrument one the lab worked on
    customers.note_receipt(user, user.institution_id, instrument)
    return job


def _editable(job: Job, user: Any) -> None:
    require_lab_staff(user, job.lab_id)
    _not_returned(job)
    if job.status != Job.Status.DRAFT:
        raise ValidationError(
            {"status": f"job is {job.get_status_display()}; only a job being recorded changes"}
        )


def _not_returned(job: Job) -> None:
    """A job whose instrument went back to its owner changes no more."""
    if job.returned:
        raise ValidationError(
            {"status": f"the instrument was returned on {job.returned_on}; the job is closed"}
        )


def job_parameters(job: Job) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in job.parameters.items()}


def test_points(job: Job) -> tuple[procedures.TestPoint, ...]:
    return procedures.generate_test_points(parsed(job.procedure), job_parameters(job))


test_points.__test__ = False  # type: ignore[attr-defined]


def _quantity_for(code: str) -> Quantity | None:
    for candidate in (code, code.replace(" ", "-"), code.replace(" ", "_")):
        found = Quantity.objects.filter(code=candidate).first()
        if found is not None:
            return found
    return Quantity.objects.filter(name_en__iexact=code).first()


@dataclass(frozen=True)
class Candidate:
    standard: MeasurementStandard
    problems: list[str]

    @property
    def usable(self) -> bool:
        return not self.problems


def candidate_standards(job: Job, on: dt.date | None = None) -> list[Candidate]:
    """The lab's standards for each required standard of the procedure, through the registry
    interlock (valid on the date, within range, accurate enough) with the reasons per standard."""
    day = on or job.work_date or job.received_on
    proc = parsed(job.procedure)
    params = job_parameters(job)
    points = test_points(job)
    result: dict[int, Candidate] = {}
    for required in proc.required_standards:
        quantity = _quantity_for(required.quantity)
        lows: list[Decimal] = []
        highs: list[Decimal] = []
        var_unit = ""
        for name, rng in required.covers.items():
            var_unit = proc.variables[name].unit
            if rng.lower is not None:
                lows.append(rng.lower.value(params))
            if rng.upper is not None:
                highs.append(rng.upper.value(params))
        low = min(lows) if lows else None
        high = max(highs) if highs else None
        mpes = []
        for point in points:
            value = next((v for k, v in point.values.items() if k in required.covers), None)
            outside = (
                isinstance(value, Decimal)
                and low is not None
                and high is not None
                and not low <= value <= high
            )
            if outside:
                continue
            mpe = procedures.mpe_at(
                proc, point, params, job.accuracy_class, in_service=job.in_service
            )
            mpes.append(mpe)
        lab_standards = MeasurementStandard.objects.filter(institution_id=job.lab_id)
        units = sorted(set(lab_standards.values_list("unit", flat=True)))
        for unit in units:
            subset = lab_standards.filter(unit=unit)
            conv_low = convert(low, var_unit, unit) if low is not None else None
            conv_high = convert(high, var_unit, unit) if high is not None else None
            max_u: float | None = None
            note = ""
            if mpes:
                smallest = min(mpes, key=lambda m: m.value)
                limit = Decimal(required.max_fraction_of_mpe.numerator) / Decimal(
                    required.max_fraction_of_mpe.denominator
                )
                if smallest.relative:
                    if conv_high is not None:
                        max_u = float(limit * smallest.value / 100 * abs(conv_high))
                else:
                    converted = convert(smallest.value, smallest.unit, unit)
                    if converted is None:
                        note = f"cannot compare {unit} with the MPE unit {smallest.unit}"
                    else:
                        max_u = float(limit * converted)
            comparable = conv_low is not None and conv_high is not None
            for standard, problems in registry_services.selectable_standards(
                on=day,
                quantity=quantity,
                low=float(conv_low) if comparable and conv_low is not None else None,
                high=float(conv_high) if comparable and conv_high is not None else None,
                max_uncertainty=max_u,
                queryset=subset,
            ):
                extra = list(problems)
                if not comparable and low is not None:
                    extra.append(f"range in {unit} cannot be compared with {var_unit}")
                if note:
                    extra.append(note)
                if max_u is not None and extra:
                    why = f" ({_fraction(required.max_fraction_of_mpe)} MPE, {required.clause})"
                    extra = [p + why if "the required " in p else p for p in extra]
                previous = result.get(standard.pk)
                if previous is None or len(extra) < len(previous.problems):
                    result[standard.pk] = Candidate(standard, extra)
    return sorted(result.values(), key=lambda c: (not c.usable, c.standard.code))


def _fraction(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


def set_standards(job: Job, user: Any, standard_ids: Iterable[int]) -> None:
    """Choose the standards; any that fails the interlock is refused with its reasons."""
    _editable(job, user)
    ids = list(dict.fromkeys(int(i) for i in standard_ids))
    if not ids:
        raise ValidationError({"standards": "choose at least one standard"})
    candidates = {c.standard.pk: c for c in candidate_standards(job)}
    errors = []
    for pk in ids:
        candidate = candidates.get(pk)
        if candidate is None:
            errors.append(f"standard {pk}: not a standard of your laboratory for this procedure")
        elif not candidate.usable:
            errors.append(f"{candidate.standard.code}: {'; '.join(candidate.problems)}")
    if errors:
        raise ValidationError({"standards": errors})
    job.standards.set(ids)


def environment_problems(job: Job, environment: Mapping[str, object]) -> dict[str, str]:
    proc = parsed(job.procedure)
    problems: dict[str, str] = {}
    for limit in proc.environment:
        if limit.classes and job.accuracy_class not in limit.classes:
            continue
        key = limit.quantity
        if key not in environment or environment[key] in ("", None):
            problems[f"environment.{key}"] = f"required ({limit.unit}, {limit.clause})"
            continue
        try:
            value = _number(environment[key], f"environment.{key}")
        except ValidationError as exc:
            problems[f"environment.{key}"] = exc.message_dict[f"environment.{key}"][0]
            continue
        if limit.minimum is not None and value < limit.minimum:
            problems[f"environment.{key}"] = (
                f"{value} {limit.unit} is below the limit {limit.minimum} {limit.unit} "
                f"({limit.clause})"
            )
        elif limit.maximum is not None and value > limit.maximum:
            problems[f"environment.{key}"] = (
                f"{value} {limit.unit} is above the limit {limit.maximum} {limit.unit} "
                f"({limit.clause})"
            )
    return problems


def set_conditions(
    job: Job,
    user: Any,
    *,
    work_date: dt.date,
    place: str,
    environment: Mapping[str, object],
) -> None:
    """Date, place and environmental conditions, checked against the procedure's limits."""
    _editable(job, user)
    errors = environment_problems(job, environment)
    if work_date < job.received_on:
        errors["work_date"] = f"before the receipt date {job.received_on}"
    if not place.strip():
        errors["place"] = "required"
    if errors:
        raise ValidationError(errors)
    job.work_date = work_date
    job.place = place.strip()
    job.environment = {k: str(v) for k, v in environment.items() if v not in ("", None)}
    job.save(update_fields=["work_date", "place", "environment"])


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


# --- signatures -------------------------------------------------------------------------------

STEP_ROLE = {
    SignatureEvent.Step.RECORD: "verifier",
    SignatureEvent.Step.CHECK: "checker",
    SignatureEvent.Step.APPROVE: "approver",
}
STATUS_STEP = {
    Job.Status.DRAFT: SignatureEvent.Step.RECORD,
    Job.Status.RECORDED: SignatureEvent.Step.CHECK,
    Job.Status.CHECKED: SignatureEvent.Step.APPROVE,
}
NEXT_STATUS = {
    SignatureEvent.Step.RECORD: Job.Status.RECORDED,
    SignatureEvent.Step.CHECK: Job.Status.CHECKED,
    SignatureEvent.Step.APPROVE: Job.Status.ISSUED,
}


def current_round(job: Job) -> int:
    last = job.signatures.order_by("-at", "-id").first()
    if last is None:
        return 1
    return last.round + 1 if last.action == SignatureEvent.Action.REJECT else last.round


def signer_problems(job: Job, user: Any, step: str, on: dt.date | None = None) -> list[str]:
    """Why this user may not sign this step of this job today (empty: may sign)."""
    day = on or timezone.localdate()
    if user is None or not user.is_authenticated:
        return ["log in to sign"]
    if user.institution_id != job.lab_id:
        return [f"{user.username} is not staff of {job.lab.name_zh}"]
    person = Person.objects.filter(user=user).first()
    if person is None:
        return [f"{user.username} is not a registered metrologist (注册计量师): no registration"]
    instrument = job.instrument
    wanted = []
    if instrument.quantity is not None:
        wanted.append(instrument.quantity.code)
    if instrument.category is not None:
        wanted.append(instrument.category.number)
    if not wanted:
        wanted.append(parsed(job.procedure).quantity)
    role = STEP_ROLE[SignatureEvent.Step(step)]
    problems = registration_problems(
        person, role, institution_id=job.lab_id, day=day, wanted=wanted
    )
    problems += staff_step_problems(user, step)  # the staff role picks the step (issue 13)
    round_ = current_round(job)
    earlier = job.signatures.filter(
        round=round_, action=SignatureEvent.Action.SIGN, person=person
    ).first()
    if earlier is not None:
        problems.append(
            f"{person.name} already signed this job as {earlier.get_step_display()}; "
            "the three signatures need three different persons"
        )
    return problems


def sign(
    job: Job,
    user: Any,
    *,
    on_numbered: Callable[[str], None] | None = None,
) -> SignatureEvent:
    """Sign the job's current step; the approver's signature issues the certificate."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == Job.Status.ISSUED:
            raise ValidationError({"status": "already issued"})
        _not_returned(job)
        step = STATUS_STEP[Job.Status(job.status)]
        problems = signer_problems(job, user, step)
        if problems:
            raise ValidationError({"signer": problems})
        stale = decisions.stale_problem(job)  # never sign statements the rule no longer gives
        if stale:
            raise ValidationError(stale)
        if step == SignatureEvent.Step.RECORD:
            ready = readiness_problems(job)
            if ready:
                raise ValidationError(ready)
        person = Person.objects.get(user=user)
        event = SignatureEvent.objects.create(
            job=job,
            step=step,
            action=SignatureEvent.Action.SIGN,
            person=person,
            user=user,
            at=timezone.now(),
            round=current_round(job),
        )
        job.status = NEXT_STATUS[step]
        job.save(update_fields=["status"])
        if step == SignatureEvent.Step.APPROVE:
            _issue(job, on_numbered)
    return event


def reject(job: Job, user: Any, reason: str) -> SignatureEvent:
    """Checker or approver sends the job back one step with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": "a rejection needs a reason"})
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (Job.Status.RECORDED, Job.Status.CHECKED):
            raise ValidationError({"status": "only a recorded or checked job can be rejected"})
        _not_returned(job)
        step = STATUS_STEP[Job.Status(job.status)]
        problems = signer_problems(job, user, step)
        if problems:
            raise ValidationError({"signer": problems})
        event = SignatureEvent.objects.create(
            job=job,
            step=step,
            action=SignatureEvent.Action.REJECT,
            person=Person.objects.get(user=user),
            user=user,
            at=timezone.now(),
            round=current_round(job),
            reason=reason.strip(),
        )
        job.status = Job.Status.DRAFT if step == SignatureEvent.Step.CHECK else Job.Status.RECORDED
        job.save(update_fields=["status"])
    return event


def signatories(job: Job) -> dict[str, Person]:
    """The persons who signed each step in the job's current round."""
    round_ = current_round(job)
    return {
        e.step: e.person
        for e in job.signatures.filter(round=round_, action=SignatureEvent.Action.SIGN)
        .select_related("person")
        .order_by("at", "id")
    }


# --- issuing ----------------------------------------------------------------------------------

_PATTERN_FIELDS = {"institution_code", "year", "seq"}


def check_pattern(pattern: str) -> None:
    import string

    try:
        names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:  # an unbalanced brace: "{seq"
        raise ValidationError({"pattern": f"not a format pattern: {exc}"}) from None
    if "seq" not in names:
        raise ValidationError({"pattern": "must contain {seq} (e.g. {seq:06d})"})
    if any(c in pattern for c in "/\\?#%"):
        raise ValidationError({"pattern": "must not contain / \\ ? # % (numbers appear in URLs)"})
    unknown = names - _PATTERN_FIELDS
    if unknown:
        raise ValidationError(
            {
                "pattern": f"unknown field {{{sorted(unknown)[0]}}} (allowed: year, seq, institution_code)"
            }
        )
    try:
        pattern.format(institution_code="X", year=2026, seq=1)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError({"pattern": f"not a valid pattern: {exc}"}) from None


def configure_numbering(user: Any, institution_code: str, pattern: str) -> None:
    """Set the lab's number pattern; existing sequences keep counting (numbers never repeat)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("log in as laboratory staff")
    require_lab_staff(user, user.institution_id)
    check_pattern(pattern)
    if not re.fullmatch(r"[A-Za-z0-9-]{1,20}", institution_code):
        raise ValidationError({"institution_code": "1–20 letters, digits or '-'"})
    # series never overlap: another's issuing would skip this one's numbers (issue 12)
    overlap = write_rules.series_refusal(
        user.institution_id, pattern, institution_code, timezone.localdate().year
    )
    if overlap is not None:
        raise ValidationError({overlap[0]: overlap[1]})
    NumberSeries.objects.filter(institution_id=user.institution_id).update(
        institution_code=institution_code, pattern=pattern
    )
    if not NumberSeries.objects.filter(institution_id=user.institution_id).exists():
        NumberSeries.objects.create(
            institution_id=user.institution_id,
            institution_code=institution_code,
            pattern=pattern,
            period=timezone.localdate().year if "{year" in pattern else 0,
        )


def _next_number(institution: Institution, day: dt.date) -> str:
    """Take the next number inside the caller's transaction (row locked until commit)."""
    template = NumberSeries.objects.filter(institution=institution).order_by("-id").first()
    code = template.institution_code if template else write_rules.default_series_code(institution)
    pattern = template.pattern if template else "{institution_code}-{year}-{seq:06d}"
    period = day.year if "{year" in pattern else 0
    NumberSeries.objects.get_or_create(
        institution=institution,
        period=period,
        defaults={"institution_code": code, "pattern": pattern},
    )
    series = NumberSeries.objects.select_for_update().get(institution=institution, period=period)
    while True:
        series.last_seq += 1
        number = pattern.format(institution_code=code, year=day.year, seq=series.last_seq)
        if not Certificate.objects.filter(number=number).exists():
            break
    series.save(update_fields=["last_seq"])
    return number


def _valid_until(start: dt.date, months: int) -> dt.date:
    """Last day of validity: the verification period from the work date, less one day."""
    return rules.add_months(start, months) - dt.timedelta(days=1)


def _issue(job: Job, on_numbered: Callable[[str], None] | None) -> Certificate:
    """Create the registry certificate, its signed PDF and DCC — one transaction (the caller's)."""
    from jiliang.calibration import documents

    proc = parsed(job.procedure)
    result = conclusion(job)
    if result.conclusion == decisions.UNDECIDED:  # readiness refuses it too; never issue 待定
        raise ValidationError(decisions.undecided_problem(result))
    today = timezone.localdate()
    work_date = job.work_date or today
    # the interlock again at release: a standard found nonconforming since the work was
    # recorded stops the issue (ISO/IEC 17025 7.10)
    registry_services.require_usable(list(job.standards.all()), work_date)
    number = _next_number(job.lab, today)
    if on_numbered is not None:
        on_numbered(number)
    people = signatories(job)
    valid_until = (
        _valid_until(work_date, proc.verification_period.months)
        if result.conclusion == Certificate.Conclusion.PASS
        else None
    )
    certificate = Certificate.objects.create(
        number=number,
        kind=result.kind,
        issuer=job.lab,
        instrument=job.instrument,
        regulation=proc.code,
        calibration_date=work_date,
        issued_on=today,
        valid_until=valid_until,
        conclusion=result.conclusion,
        accuracy_class=job.accuracy_class if result.conclusion == "pass" else "",
        verifier=people.get(SignatureEvent.Step.RECORD),
        checker=people.get(SignatureEvent.Step.CHECK),
        approver=people.get(SignatureEvent.Step.APPROVE),
    )
    certificate.use_standards(*job.standards.all())
    job.certificate = certificate
    job.save(update_fields=["certificate"])
    documents.issue_documents(job, certificate)
    return certificate


# --- documents --------------------------------------------------------------------------------


def document(certificate: Certificate, fmt: str) -> IssuedDocument:
    found = IssuedDocument.objects.filter(certificate=certificate, format=fmt).first()
    if found is None:
        raise ValidationError({"format": f"certificate {certificate.number} has no {fmt} file"})
    return found


def find_certificate(user: Any, number: str) -> Certificate:
    found = certificates_visible_to(user).filter(number=number).first()
    if found is None:
        raise ValidationError({"number": f"no certificate {number!r} visible to you"})
    return found


# --- recall -----------------------------------------------------------------------------------


def open_recall(user: Any, standard: MeasurementStandard, since: dt.date, reason: str) -> Recall:
    """Impact analysis of a nonconforming standard → one item per affected certificate."""
    require_lab_staff(user, standard.institution_id)
    last_good, rows = traceability.impact(standard, since, user)
    with transaction.atomic():
        recall = Recall.objects.create(
            lab_id=standard.institution_id,
            standard=standard,
            nonconforming_since=since,
            last_good=last_good,
            reason=reason,
            opened_by=user,
        )
        for row in rows:
            cert = Certificate.objects.get(number=row.certificate)
            RecallItem.objects.get_or_create(
                recall=recall, certificate=cert, defaults={"customer_id": row.customer_id}
            )
    return recall


def update_recall_item(
    item: RecallItem,
    user: Any,
    *,
    notified_on: dt.date | None = None,
    method: str = "",
    new_certificate_number: str = "",
    waived_reason: str = "",
) -> RecallItem:
    require_lab_staff(user, item.recall.lab_id)
    if not item.recall.is_open:
        raise ValidationError({"recall": "closed recalls do not change"})
    errors: dict[str, str] = {}
    if notified_on is not None:
        if method not in RecallItem.Method.values or not method:
            errors["method"] = "how was the customer notified (letter, email, phone, visit)"
        item.notified_on, item.method = notified_on, method
    if new_certificate_number:
        new = Certificate.objects.filter(number=new_certificate_number).first()
        if new is None:
            errors["new_certificate"] = f"no certificate {new_certificate_number!r}"
        elif new.instrument_id != item.certificate.instrument_id:
            errors["new_certificate"] = "is for another instrument"
        elif new.calibration_date < item.recall.nonconforming_since:
            errors["new_certificate"] = "was made before the nonconformity was found"
        elif item.recall.standard in new.standards_used.all():
            errors["new_certificate"] = "was made with the nonconforming standard again"
        else:
            item.new_certificate = new
    if waived_reason:
        item.waived_reason = waived_reason
    if errors:
        raise ValidationError(errors)
    item.save()
    return item


def close_recall(recall: Recall, user: Any) -> Recall:
    require_lab_staff(user, recall.lab_id)
    open_items = [i.certificate.number for i in recall.items.all() if not i.resolved]
    if open_items:
        raise ValidationError(
            {"items": f"not resolved (notification and re-verification): {', '.join(open_items)}"}
        )
    recall.closed_at = timezone.now()
    recall.save(update_fields=["closed_at"])
    return recall


def _is_number(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
