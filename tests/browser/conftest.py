"""Browser tests drive Debian's Chromium through Playwright's sync API against live_server.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard
must be lifted before the database is touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@dataclass(frozen=True)
class Scenario:
    """What the browser test opens, from the demo dataset (or the shared world without it)."""

    password: str
    owner: str  # a user who owns an instrument with a valid chain
    instrument_id: int
    primary_code: str
    lab: str  # a laboratory user that issues certificates with `standard_code`
    standard_code: str
    broken_user: str
    broken_instrument_id: int


def _demo_scenario() -> Scenario | None:
    """The demo dataset of jiliang.registry.demo, when that module is present."""
    try:
        from jiliang.registry.demo import DEMO_PASSWORD, build_demo
    except ImportError:
        return None
    from jiliang.registry.models import Instrument

    summary = build_demo()
    valid = Instrument.objects.get(pk=summary.highlights["valid_chain_instrument"])
    standard = valid.certificates.order_by("-calibration_date").first().standards_used.first()
    return Scenario(
        password=DEMO_PASSWORD,
        owner="market",
        instrument_id=valid.pk,
        primary_code="GJJ(力)0101",
        lab="zibo_lab",
        standard_code=standard.code,
        broken_user="zibo_lab",
        broken_instrument_id=summary.highlights["broken_chain_instrument"],
    )


@pytest.fixture
def scenario(transactional_db: Any) -> Scenario:
    demo = _demo_scenario()
    if demo is not None:
        return demo
    from tests.conftest import make_world

    world = make_world()
    return Scenario(
        password="pw-test-123",
        owner="market",
        instrument_id=world.scale.pk,
        primary_code="GJJ(力)0101",
        lab="zibo_lab",
        standard_code=world.f1.code,
        broken_user="taxi",
        broken_instrument_id=world.taxi_meter.pk,
    )
