"""Fixtures of the monitoring tests: the test site and a Parquet root of its own per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.site import Site, build_site


@pytest.fixture
def energy_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "energy"
    settings.ENERGY_DATA = root
    return root


@pytest.fixture
def site(db: Any, energy_root: Path) -> Site:
    return build_site()


@pytest.fixture
def token(site: Site) -> str:
    from jiliang.accounts.models import ApiToken

    _, raw = ApiToken.issue(site.users["alu"], "gateway")
    return raw
