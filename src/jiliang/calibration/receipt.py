"""Receiving an instrument and preparing the work: the job, its standards (through the
registry interlock) and the date, place and environmental conditions.

Only a job being recorded changes, and never once its instrument has been returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiliang import procedures
from jiliang.calibration.access import require_lab_staff
from jiliang.calibration.models import Job, ProcedureRecord
from jiliang.calibration.procedure_records import parsed
from jiliang.calibration.values import _number, convert
from jiliang.registry import customers
from jiliang.registry import services as registry_services
from jiliang.registry.models import Instrument, MeasurementStandard, Quantity


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
