"""Ledger fixtures: keys in a temporary data directory, the world's certificates logged."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _key_dir(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    """Instance keys are generated into a fresh data dir, never into the repository."""
    settings.DATA_DIR = tmp_path / "data"
    for var in (
        "JILIANG_LOG_KEY",
        "JILIANG_LOG_KEY_NEXT",
        "JILIANG_WITNESS_KEY",
        "JILIANG_LOG_ORIGIN",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def logged_world(world: Any) -> Any:
    """The shared world with its certificates in the log (the on_commit path is tested
    separately; here the catch-up logs what the fixture created inside the test transaction)."""
    from jiliang.ledger.records import sync_certificates

    sync_certificates()
    return world
