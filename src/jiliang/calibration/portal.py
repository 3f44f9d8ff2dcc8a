"""The owner's view of its instruments' jobs (issue 13 §3): status, never the laboratory's
internals (observations, who signed, notes on receipt, conditions).

Why a module of its own: `jobs_visible_to` gives laboratories and regulators whole jobs;
an owner gets only `OwnerJob` rows, built here from a few columns, so nothing internal can
leak through a template or a schema that reads more of the job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jiliang.calibration.models import Job, Observation

# What an owner is told (the laboratory's own statuses are finer and internal).
OWNER_STATUS = {
    "received": _("已收样"),
    "in_work": _("检定/校准中"),
    "awaiting_signatures": _("待签字"),
    "issued": _("已出证"),
    "returned": _("已退还"),
}


@dataclass(frozen=True)
class OwnerJob:
    receipt_number: str
    lab: str
    instrument: str
    serial_number: str
    received_on: dt.date
    status: str
    status_label: str
    certificate: str | None
    issued_on: dt.date | None
    returned_on: dt.date | None = None

    @property
    def documents(self) -> bool:
        return self.certificate is not None


def owner_status(status: str, worked: bool, returned: bool = False) -> str:
    """The owner's status of a job: its laboratory status with the internals folded;
    the instrument back with its owner is the last status, certificate or not."""
    if returned:
        return "returned"
    if status == Job.Status.ISSUED:
        return "issued"
    if status in (Job.Status.RECORDED, Job.Status.CHECKED):
        return "awaiting_signatures"
    return "in_work" if worked else "received"


def owner_jobs(user: Any, status: str = "") -> list[OwnerJob]:
    """The jobs on the instruments of the user's institution, newest first (none without one)."""
    if user is None or not user.is_authenticated or not user.institution_id:
        return []
    rows = (
        Job.objects.filter(instrument__owner_id=user.institution_id)
        .annotate(worked=Exists(Observation.objects.filter(job=OuterRef("pk"))))
        .order_by("-received_on", "-id")
        .values(
            "receipt_number",
            "lab__name_zh",
            "instrument__name",
            "instrument__serial_number",
            "received_on",
            "status",
            "worked",
            "work_date",
            "certificate__number",
            "certificate__issued_on",
            "returned_on",
        )
    )
    jobs = []
    for row in rows:
        key = owner_status(
            row["status"], bool(row["worked"] or row["work_date"]), row["returned_on"] is not None
        )
        if status and key != status:
            continue
        jobs.append(
            OwnerJob(
                receipt_number=row["receipt_number"],
                lab=row["lab__name_zh"],
                instrument=row["instrument__name"],
                serial_number=row["instrument__serial_number"],
                received_on=row["received_on"],
                status=key,
                status_label=OWNER_STATUS[key],
                certificate=row["certificate__number"],
                issued_on=row["certificate__issued_on"],
                returned_on=row["returned_on"],
            )
        )
    return jobs


@login_required
def my_jobs(request: HttpRequest) -> HttpResponse:
    """/my/jobs/: the owner's jobs, filtered by status; PDF and DCC links once issued."""
    status = request.GET.get("status", "")
    if status and status not in OWNER_STATUS:
        status = ""
    context = {
        "jobs": owner_jobs(request.user, status),
        "status": status,
        "statuses": OWNER_STATUS,
    }
    return render(request, "calibration/my_jobs.html", context)
