"""Fixtures of the staff tests: the shared world with zibo_lab made the city's manager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def staffed(world: Any) -> Any:
    """zibo_lab manages the city lab; the market's login manages the market."""
    for name in ("zibo_lab", "market"):
        user = world.users[name]
        user.staff_roles = ["manager", "approver"]
        user.save(update_fields=["staff_roles"])
    return world


@pytest.fixture
def client_as(staffed: Any) -> Callable[[str | None], Client]:
    def make(name: str | None) -> Client:
        client = Client()
        if name is not None:
            client.force_login(staffed.users[name])
        return client

    return make
