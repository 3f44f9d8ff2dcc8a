"""The three signatures (record, check, approve), rejections with a reason, and who may sign:
the registration covering the item and the staff role picking the step (issue 13 §2).
The approver's signature issues the certificate (issuing.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiliang.accounts.staff import step_problems as staff_step_problems
from jiliang.calibration import decisions
from jiliang.calibration.issuing import _issue
from jiliang.calibration.models import Job, SignatureEvent
from jiliang.calibration.procedure_records import parsed
from jiliang.calibration.receipt import _not_returned
from jiliang.calibration.results import readiness_problems
from jiliang.registry.models import Person
from jiliang.registry.signatories import registration_problems

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
            _issue(job, signatories(job), on_numbered)
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
