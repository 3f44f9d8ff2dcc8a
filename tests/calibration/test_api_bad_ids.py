"""Regressions found by fuzzing the demo's API (issue #2: bad input never yields a 500): an id
past the largest key (2**63) in a body once reached the SQLite driver and overflowed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import WORK_DAY, make_job

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63


def _send(user: Any, method: str, path: str, body: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(user)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_job_for_an_instrument_id_past_any_key_is_422(lab: Any) -> None:
    from jiliang.calibration.models import Job

    body = {
        "instrument_id": TOO_BIG,
        "receipt_number": "API-1",
        "received_on": WORK_DAY.isoformat(),
        "procedure_code": "JJG 539-2016",
        "accuracy_class": "III",
        "parameters": {"Max": "15000", "e": "5"},
    }
    response = _send(lab.recorder, "post", "/api/calibration/jobs", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.instrument_id"
    assert not Job.objects.exists()


def test_standards_with_an_id_past_any_key_are_422_and_change_nothing(lab: Any) -> None:
    job = make_job(lab)
    body = {"standard_ids": [lab.world.f1.pk, TOO_BIG]}
    response = _send(lab.recorder, "put", f"/api/calibration/jobs/{job.pk}/standards", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.standard_ids.1"
    assert not job.standards.exists()


def test_recall_of_a_standard_id_past_any_key_is_422(lab: Any) -> None:
    body = {"standard_id": TOO_BIG, "since": "2026-01-10", "reason": "drift"}
    response = _send(lab.recorder, "post", "/api/calibration/recalls", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.standard_id"
