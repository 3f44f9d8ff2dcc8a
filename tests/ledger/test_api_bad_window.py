"""Offsets and limits past what the database can hold are 422 with the reason, never 500."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/ledger/entries?offset=14388870488944881664", "offset"),
        ("/api/ledger/entries?offset=-1", "offset"),
        ("/api/ledger/entries?limit=0", "limit"),
        ("/api/taximeters/meters?offset=-253", "offset"),
        ("/api/taximeters/meters?limit=-5", "limit"),
        ("/api/taximeters/meters?offset=99999999999999999999", "offset"),
    ],
)
def test_bad_page_window_is_422(world, path, field) -> None:
    client = Client()
    client.force_login(world.users["admin"])
    response = client.get(path)
    assert response.status_code == 422
    # declared bounds (OpenAPI): ninja names the parameter in errors[].field
    assert any(e["field"] == f"query.{field}" for e in response.json()["errors"])
