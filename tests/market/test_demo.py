"""The market demo builds on the registry demo, is idempotent, and holds what the issue asks."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db
def test_market_demo(tmp_path: Any, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    from jiliang.market.demo import build_market_demo
    from jiliang.market.models import Campaign, Finding, Premises, PrepackInspection
    from jiliang.registry.demo import build_demo

    summary = build_demo()
    first = build_market_demo(summary)
    assert first["created"] is True
    again = build_market_demo(summary)
    assert again["created"] is False
    assert Campaign.objects.filter(state="closed").count() == 1
    assert Finding.objects.filter(kind="cheating").count() == 1
    kinds = set(Premises.objects.values_list("kind", flat=True))
    assert {"market", "stall", "fuel_station", "optician", "restaurant"} <= kinds
    lot = PrepackInspection.objects.get()
    assert lot.verdict == "fail" and lot.result["average_ok"] is True and lot.result["t1"] == 4
    assert Premises.objects.filter(contract_terminated=True).count() == 1
    from jiliang.market.models import Inspection

    assert (
        Inspection.objects.filter(
            inspector__username="market_inspector", campaign__state="drawn"
        ).exists()
        or Inspection.objects.filter(campaign__state="drawn").count() == 3
    )
