"""The demo: applications in every state (one overdue), the new standard awaiting its
examination, a filing with two bookings; building it twice changes nothing."""

from __future__ import annotations

from typing import Any

from jiliang.services.models import Application, FilingEntry


def test_demo_every_state_and_idempotent(db: Any, settings: Any, tmp_path: Any) -> None:
    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Institution, MeasurementStandard
    from jiliang.registry.services import standard_problems
    from jiliang.services import queue
    from jiliang.services.demo import NEW_STANDARD, build_services_demo

    settings.DATA_DIR = tmp_path / "data"
    summary = build_demo()
    first = build_services_demo(summary)
    assert first["applications"] == Application.objects.count() > 0
    assert set(Application.objects.values_list("state", flat=True)) == set(Application.State.values)
    zibo = Institution.objects.get(name_zh="淄博市市场监督管理局")
    assert queue.for_regulator(zibo, summary.today)["overdue"] >= 1
    shandong = Institution.objects.get(name_zh="山东省市场监督管理局")
    assert queue.for_regulator(shandong, summary.today)["escalated"]
    assert FilingEntry.objects.filter(booked_lab__isnull=False).count() == 2
    standard = MeasurementStandard.objects.get(code=NEW_STANDARD)
    # only the examination is missing: the equipment is traced
    assert [p for p in standard_problems(standard, summary.today) if "examination" not in p] == []
    counts = (Application.objects.count(), FilingEntry.objects.count())
    build_services_demo(summary)
    assert (Application.objects.count(), FilingEntry.objects.count()) == counts
