"""The instrument's return to its owner (issue 13 §3: the owner sees "returned").

One rule for the job page, the API and anything else that records a return: the
laboratory's own staff record it once, with the date, to whom and how (handed over, or
shipped with the carrier's tracking number); after the certificate is issued, or with a
reason when the instrument goes back without one (the customer withdrew it, it cannot be
repaired). A returned job changes no more. The change log keeps who recorded it (the
calibration app is audited, accounts/audit.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiliang.calibration.access import require_lab_staff
from jiliang.calibration.models import Job
from jiliang.registry import write_rules


def return_problems(
    job: Job,
    *,
    returned_on: dt.date | None,
    returned_to: str,
    method: str,
    tracking: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> dict[str, str]:
    """Why this return may not be recorded, field → reason ({} when it may)."""
    problems = write_rules.field_problems(
        Job,
        {
            "returned_to": returned_to,
            "return_tracking": tracking,
            "return_reason": reason,
        },
    )
    if job.returned:
        problems["status"] = f"already returned on {job.returned_on} (已退还)"
        return problems
    today = today or timezone.localdate()
    if returned_on is None:
        problems["returned_on"] = "required (YYYY-MM-DD)"
    elif returned_on < job.received_on:
        problems["returned_on"] = f"{returned_on} is before the receipt date {job.received_on}"
    elif returned_on > today:
        problems["returned_on"] = f"{returned_on} is in the future"
    if not returned_to.strip():
        problems.setdefault("returned_to", "required: the person it was handed to, or addressee")
    if method not in Job.ReturnMethod.values:
        problems["return_method"] = f"{method!r}: use {' or '.join(Job.ReturnMethod.values)}"
    elif method == Job.ReturnMethod.SHIPPED and not tracking.strip():
        problems.setdefault("return_tracking", "required when shipped (快递单号)")
    if job.status != Job.Status.ISSUED and not reason.strip():
        problems.setdefault(
            "return_reason",
            f"the job is {job.get_status_display()}, not issued: say why it goes back "
            "without a certificate (e.g. refused, unrepairable)",
        )
    return problems


def return_job(
    job: Job,
    user: Any,
    *,
    returned_on: dt.date | None,
    returned_to: str,
    method: str,
    tracking: str = "",
    reason: str = "",
) -> Job:
    """Record the instrument's return; refused (nothing changed) with the reasons per field."""
    require_lab_staff(user, job.lab_id)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        problems = return_problems(
            job,
            returned_on=returned_on,
            returned_to=returned_to,
            method=method,
            tracking=tracking,
            reason=reason,
        )
        if problems:
            raise ValidationError(problems)
        job.returned_on = returned_on
        job.returned_to = returned_to.strip()
        job.return_method = method
        job.return_tracking = tracking.strip() if method == Job.ReturnMethod.SHIPPED else ""
        job.return_reason = reason.strip()
        job.returned_by = user
        job.save(
            update_fields=[
                "returned_on",
                "returned_to",
                "return_method",
                "return_tracking",
                "return_reason",
                "returned_by",
            ]
        )
    return job
