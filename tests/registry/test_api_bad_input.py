"""Regressions found by fuzzing the running demo's API with schemathesis (issue #2: bad input
never yields a 500). Each request here once answered 500 with an HTML page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

# One past the largest signed 64-bit integer: SQLite's driver cannot bind it.
TOO_BIG = 2**63


def admin(world: Any) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/institutions?offset={TOO_BIG}", "query.offset"),
        (f"/api/people?offset={10**20}", "query.offset"),
        (f"/api/materials?limit={10**26}", "query.limit"),
        ("/api/standards?limit=1001", "query.limit"),
        ("/api/certificates?limit=0", "query.limit"),
        ("/api/instruments?offset=-1", "query.offset"),
        (f"/api/instruments?owner={TOO_BIG}", "query.owner"),
        (f"/api/due?owner={TOO_BIG}", "query.owner"),
    ],
)
def test_out_of_range_paging_and_ids_are_422_naming_the_field(world, path, field) -> None:
    response = admin(world).get(path)
    assert response.status_code == 422
    assert field in fields(response)


def test_the_largest_page_is_served(world) -> None:
    response = admin(world).get("/api/instruments?limit=1000&offset=0")
    assert response.status_code == 200
    assert response.json()["count"] == 4  # the shared world's four instruments


def test_due_list_before_the_first_recall_rule_is_409_with_the_reason(world) -> None:
    # src/jiliang/data/registry/rules.yaml: the recall rule's first edition is 2020-01-01.
    response = admin(world).get("/api/due?today=2019-12-31")
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["reason"] == "no version of rule 'recall' is in force on 2019-12-31"
    assert admin(world).get("/api/due?today=2020-01-01").status_code == 200


def test_due_list_on_the_last_representable_day_is_400_not_an_overflow(world) -> None:
    response = admin(world).get("/api/due?today=9999-12-31")
    assert response.status_code == 400
    assert response.json()["detail"] == "a number or date in the request is out of range"
