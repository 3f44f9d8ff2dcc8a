"""With real commits (transactional test): the on_commit path logs certificates, an
autocommit caller that sets the standards afterwards gets certificate.standards_changed, and
Django's whole-database flush after the test still works despite the append-only triggers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from jiliang.ledger import services
from jiliang.ledger.models import LogEntry
from jiliang.registry.models import Certificate
from tests.conftest import make_world


@pytest.mark.django_db(transaction=True)
def test_certificates_logged_on_commit_and_flush_still_works() -> None:
    w = make_world()  # autocommit: each certificate is logged right after its own commit
    issued = LogEntry.objects.filter(record_type="certificate.issued").order_by("leaf_index")
    assert [e.subject for e in issued] == ["NIM-2025-0001", "SD-2025-0001", "ZB-2025-0001"]
    # make_world saves first and sets standards_used afterwards, outside a transaction: the
    # issued record has no standards, the change that follows is logged on its own.
    changed = LogEntry.objects.filter(record_type="certificate.standards_changed")
    assert [json.loads(e.record)["body"]["standards_used"] for e in changed] == [
        ["GJJ(力)0101"],
        ["SD-E2-001"],
        ["ZB-F1-001"],
    ]
    cert = Certificate.objects.create(
        number="ZB-2026-0200",
        kind="verification",
        issuer=w.city,
        instrument=w.scale,
        regulation="JJG 539-2016",
        calibration_date=dt.date(2026, 5, 1),
        issued_on=dt.date(2026, 5, 2),
        valid_until=dt.date(2027, 4, 30),
        conclusion="pass",
    )
    assert LogEntry.objects.filter(subject=cert.number).count() == 1
    assert services.audit().ok
