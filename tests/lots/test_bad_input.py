"""Regression found by fuzzing the demo's API with schemathesis (issue #2): an installation year
outside the calendar (0, -6, 10575) once made the year lookup raise ValueError, a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jiliang.lots.models import Lot
from tests.lots.conftest import BATCH, MAKER, MODEL


@pytest.mark.parametrize("year", [0, -6, 10575, 2**63])
def test_lot_for_a_year_outside_the_calendar_is_400_naming_the_field(meters, year: int) -> None:
    client = Client()
    client.force_login(meters.users["market"])
    body = {"maker": MAKER, "model": MODEL, "production_batch": BATCH, "installation_year": year}
    response = client.post("/api/lots/lots", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["installation_year"]
    assert not Lot.objects.exists()
