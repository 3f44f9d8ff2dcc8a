"""Fixtures of the home/navigation tests: a logged-in test client per role of the shared world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client_as(world: Any) -> Callable[[str | None], Client]:
    """`client_as("market")` → a client logged in as that user; None → anonymous."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(world.users[role])
        return client

    return make


@pytest.fixture(autouse=True)
def _no_cached_charts() -> None:
    """The home charts are cached per scope and day; each test's world starts afresh."""
    from django.core.cache import cache

    cache.clear()
