"""A job's recorded values that break the model's arithmetic are a 400, never a 500.

The job fills the procedure's model with the recorded numbers; a value past the float range
(10**400 in a JSON body) raised OverflowError, a 500 (issue 12 §2).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.calibration.conftest import make_job, scale_rows

pytestmark = pytest.mark.django_db


def _post_rows(lab: Any, job: Any, rows: list[dict[str, object]]) -> Any:
    client = Client()
    client.force_login(lab.recorder)
    # json.dumps writes 10**400 as the integer literal a client may send
    return client.post(
        f"/api/calibration/jobs/{job.pk}/observations",
        json.dumps({"rows": rows}),
        content_type="application/json",
    )


@pytest.mark.parametrize("indication", [10**400, -(10**400), "1e999", "nan"])
def test_an_indication_past_the_float_range_is_400(lab: Any, indication: object) -> None:
    job = make_job(lab)
    rows = scale_rows([0.0, 0.0, 0.0, 0.0, 0.0])
    rows[1]["I"] = indication
    response = _post_rows(lab, job, rows)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert not job.observations.exists()


def test_ordinary_rows_are_still_recorded(lab: Any) -> None:
    job = make_job(lab)
    response = _post_rows(lab, job, scale_rows([0.0, 0.5, -0.5, 1.0, 0.0]))
    assert response.status_code == 200, response.content
    assert job.observations.count() == 5
