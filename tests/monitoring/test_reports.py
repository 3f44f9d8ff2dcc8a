"""MRV reports: signed, in the transparency log with a verifying inclusion proof, corrected
only by a new version with its reason; PDF, Excel and JSON files."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from tests.monitoring.readings import one_day, send
from tests.monitoring.site import Site

DAY = dt.date(2026, 5, 1)


@pytest.fixture
def issued(site: Site) -> object:
    from jiliang.monitoring.reports import issue

    send(site.users["alu"], "day-1", one_day(DAY))
    return issue(site.energy_user, "month", DAY, by=site.users["alu"])


def test_issued_report_is_signed_logged_and_its_proof_verifies(site: Site, issued: object) -> None:
    from jiliang.ledger.models import LogEntry
    from jiliang.monitoring.reports import proof_of, verify_signature
    from jiliang.trust import LogRecord

    report = issued
    assert report.version == 1 and report.start == dt.date(2026, 5, 1)
    body = report.body
    assert body["from"] == "2026-05-01" and body["to"] == "2026-05-31"
    # May has 31 days; only the 1st has data: E-MAIN 1920 kWh, GAS 960 m3 (test_accounts)
    assert body["energy"]["electricity"]["quantity"] == pytest.approx(1920.0)
    assert body["coefficients"]["electricity_basis"] == "calorific"
    assert body["emissions"]["scope2"][0]["variety"] == "electricity"
    assert body["emissions"]["scope1"][0]["variety"] == "natural_gas"
    assert 0 < body["verified_share"] < 1
    assert {m["point"]: m["state_at_end"] for m in body["meters"]} == {
        "E-LINE": "overdue",
        "E-MAIN": "verified",
        "GAS": "unregistered",
    }
    assert verify_signature(report)
    entry = LogEntry.objects.get(leaf_index=report.leaf_index)
    logged = LogRecord.from_json(entry.record).body
    assert logged["sha256"] == report.sha256 and logged["version"] == 1
    proof = proof_of(report)
    assert proof is not None and proof["verified"] is True


def test_tampered_body_fails_the_signature_check(site: Site, issued: object) -> None:
    from jiliang.monitoring.models import MrvReport
    from jiliang.monitoring.reports import verify_signature

    MrvReport.objects.filter(pk=issued.pk).update(body={**issued.body, "tce": 0.0})
    assert not verify_signature(MrvReport.objects.get(pk=issued.pk))


def test_correction_is_a_new_version_with_reason(site: Site, issued: object) -> None:
    from jiliang.monitoring.models import MrvReport
    from jiliang.monitoring.reports import ReportRefused, issue, proof_of

    with pytest.raises(ReportRefused, match="reason"):
        issue(site.energy_user, "month", DAY)
    send(site.users["alu"], "day-2", one_day(dt.date(2026, 5, 2), first=9.2))
    second = issue(site.energy_user, "month", DAY, reason="5月2日数据补传")
    assert second.version == 2
    assert second.body["supersedes"] == {"version": 1, "sha256": issued.sha256}
    # day 2 continues from 9.2: 9.2 → 28.4 is 19.2 × 100 = 1920 kWh more, 3840 in all
    assert second.body["energy"]["electricity"]["quantity"] == pytest.approx(3840.0)
    assert MrvReport.objects.filter(user=site.energy_user).count() == 2
    assert MrvReport.objects.get(pk=issued.pk).sha256 == issued.sha256  # never restated
    with pytest.raises(ValueError, match="immutable"):
        second.save()
    assert proof_of(second)["verified"] is True
    assert proof_of(issued)["verified"] is True


def test_report_files(site: Site, issued: object) -> None:
    from openpyxl import load_workbook

    from jiliang.monitoring.report_files import render_json, render_pdf, render_xlsx

    doc = json.loads(render_json(issued))
    assert doc["sha256"] == issued.sha256 and doc["body"]["user"] == "NM-ALU-01"
    pdf = render_pdf(issued)
    assert pdf.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(render_xlsx(issued)))
    sheet = book["energy"]
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert rows["electricity"][1] == pytest.approx(1920.0)
