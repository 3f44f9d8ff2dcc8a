"""The comparisons demo: a closed campaign with its report and evidence, and an open one."""

from __future__ import annotations

from jiliang.comparisons.demo import build_comparisons_demo
from jiliang.comparisons.models import CapabilityEvidence, ReportFile
from tests.comparisons.conftest import client_for


def test_comparisons_demo_is_built_once(comparison) -> None:
    from jiliang.accounts.models import User

    assert build_comparisons_demo()["created"] is False  # no alu_centre login yet
    User.objects.create_user("alu_centre", institution=comparison.centre, role="centre")
    first = build_comparisons_demo()
    assert first["created"] is True
    assert sorted(first["campaigns"]) == [("DEMO-M-2026-01", "closed"), ("DEMO-PT-2026-02", "open")]
    assert CapabilityEvidence.objects.filter(campaign__code="DEMO-M-2026-01").count() == 4
    assert ReportFile.objects.filter(campaign__code="DEMO-M-2026-01", format="mandel.png").exists()
    assert build_comparisons_demo()["created"] is False
    # the open campaign stays sealed: Zibo does not see Shandong's submission
    rows = client_for(comparison.users, "zibo_lab").get("/api/comparisons/campaigns").json()
    open_id = next(c["id"] for c in rows if c["code"] == "DEMO-PT-2026-02")
    seen = client_for(comparison.users, "zibo_lab").get(
        f"/api/comparisons/campaigns/{open_id}/submissions"
    )
    assert seen.json() == []
