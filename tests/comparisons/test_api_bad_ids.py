"""Regressions found by fuzzing the demo's API with schemathesis (issue #2: bad input never
yields a 500): an institution id past the largest key (2**63) once overflowed the driver."""

from __future__ import annotations

from typing import Any

from tests.comparisons.conftest import client_for

TOO_BIG = 2**63


def test_evidence_filter_past_any_key_is_422(comparison: Any) -> None:
    response = client_for(comparison.users, "admin").get(
        f"/api/comparisons/evidence?institution={TOO_BIG}"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.institution"


def test_moving_the_slot_of_an_institution_past_any_key_is_422(comparison: Any) -> None:
    url = f"/api/comparisons/campaigns/{comparison.campaign.pk}/participants/{TOO_BIG}"
    response = client_for(comparison.users, "centre").put(
        url, {"ship_date": "2026-01-10"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.institution"


def test_inviting_an_institution_past_any_key_is_422(comparison: Any) -> None:
    from jiliang.comparisons.models import Participant

    before = Participant.objects.count()
    response = client_for(comparison.users, "centre").post(
        f"/api/comparisons/campaigns/{comparison.campaign.pk}/participants",
        {"institution": TOO_BIG},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.institution"
    assert Participant.objects.count() == before
