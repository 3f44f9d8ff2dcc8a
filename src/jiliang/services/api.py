"""API of the `services` app (mounted at /api/services/): the kinds, the caller's cases
with their clocks, and its filing. Read-only; the steps are taken on the pages, which call
the same engine (workflow.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id
from jiliang.services import clock, filing, kinds, queue, workflow
from jiliang.services.models import Application, FilingEntry

router = Router(tags=["services"])

MAX_ROWS = 500


@router.get("/kinds")
def list_kinds(request: HttpRequest) -> list[dict[str, Any]]:
    """Every kind of application, as in data/services/kinds.yaml."""
    api_user(request, anonymous=True)
    return [
        {
            "key": k.key,
            "name": k.name,
            "name_en": k.name_en,
            "source": k.source,
            "authority_level": k.authority_level,
            "time_limit_working_days": k.time_limit,
            "time_limit_confirmed": k.time_limit_confirmed,
            "materials": [
                {"key": m.key, "name": m.name, "required": m.required} for m in k.materials
            ],
            "steps": [
                {"step": s.step, "actor": s.actor, "stops_clock": s.stops_clock} for s in k.steps
            ],
        }
        for k in kinds.kinds().values()
    ]


def _case(row: queue.Row) -> dict[str, Any]:
    app = row.app
    return {
        "id": app.pk,
        "number": app.number,
        "kind": app.kind,
        "title": app.title,
        "applicant": app.applicant.uscc,
        "authority": app.authority.uscc,
        "state": app.state,
        "submitted_on": app.submitted_on,
        "accepted_on": app.accepted_on,
        "decided_on": app.decided_on,
        "due": row.clock.due,
        "remaining_working_days": row.clock.remaining,
        "overdue": row.clock.overdue,
        "paused_since": row.clock.paused_since,
        "granted": app.granted,
    }


@router.get("/applications")
def list_applications(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's cases (applicant or authority), newest first, at most 500."""
    user = api_user(request)
    apps = list(workflow.visible_applications(user).order_by("-submitted_on", "-id")[:MAX_ROWS])
    return [_case(r) for r in queue.rows(apps, dt.date.today())]


@router.get("/applications/{pk}")
def get_application(request: HttpRequest, pk: Id) -> dict[str, Any]:
    """One case with its clock and its events (decisions name their log index)."""
    user = api_user(request)
    app: Application = get_object_or_404(workflow.visible_applications(user), pk=pk)
    events = list(app.events.all())
    data = _case(
        queue.Row(app, kinds.kind(app.kind).name, clock.clock(app, dt.date.today(), events))
    )
    data["events"] = [
        {"action": e.action, "on": e.on, "note": e.note, "items": e.items, "log_index": e.log_index}
        for e in events
    ]
    return data


@router.get("/filing")
def list_filing(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's filed instruments with due date and booking state, at most 500."""
    user = api_user(request)
    today = dt.date.today()
    entries = (
        FilingEntry.objects.visible_to(user).select_related("instrument").order_by("-id")[:MAX_ROWS]
    )
    out = []
    for entry in entries:
        state = filing.status(entry, today)
        out.append(
            {
                "id": entry.pk,
                "instrument": entry.instrument_id,
                "serial_number": entry.instrument.serial_number,
                "filed_on": entry.filed_on,
                "due": state.due,
                "state": state.state,
                "booked_lab": entry.booked_lab_id,
                "booked_for": entry.booked_for,
            }
        )
    return out
