"""GET /api/my/jobs: the owner's jobs with their status (issue 13 §3), no internals.

No `from __future__ import annotations`: ninja reads the annotations.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from jiliang.calibration import portal
from jiliang.registry.schemas import ErrorOut

router = Router(tags=["portal"])


class OwnerJobOut(Schema):
    receipt_number: str
    lab: str
    instrument: str
    serial_number: str
    received_on: dt.date
    status: str = Field(description="received, in_work, awaiting_signatures, issued or returned")
    certificate: str | None
    issued_on: dt.date | None
    returned_on: dt.date | None = Field(None, description="when the instrument went back")
    pdf: str | None = Field(None, description="download URL once issued")
    dcc: str | None = Field(None, description="download URL once issued")


@router.get("/jobs", response={200: list[OwnerJobOut], 400: ErrorOut, 401: ErrorOut})
def my_jobs(request: HttpRequest, status: str = "") -> Any:
    """The jobs on the caller's institution's instruments, newest first."""
    user = request.auth  # type: ignore[attr-defined]
    if not user.is_authenticated:
        raise HttpError(401, "log in or send a bearer token (请登录或提供令牌)")
    if status and status not in portal.OWNER_STATUS:
        raise HttpError(400, f"status: use one of {', '.join(portal.OWNER_STATUS)} (状态无效)")
    rows = []
    for job in portal.owner_jobs(user, status):
        row = {**job.__dict__, "pdf": None, "dcc": None}
        if job.certificate:
            row["pdf"] = f"/calibration/certificates/{job.certificate}/pdf"
            row["dcc"] = f"/calibration/certificates/{job.certificate}/dcc"
        rows.append(row)
    return rows
