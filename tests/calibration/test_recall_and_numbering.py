"""Recall (ISO/IEC 17025 7.10: work with a nonconforming standard) and the concurrency of the
certificate counter (select_for_update: two issuers never get the same number)."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError

SINCE = dt.date(2026, 1, 10)


@pytest.mark.django_db
def test_recall_closes_only_when_every_item_is_resolved(lab: Any) -> None:
    from jiliang.calibration import services
    from jiliang.registry.models import Certificate

    world = lab.world
    recall = services.open_recall(lab.recorder, world.f1, SINCE, "F1 1 kg out of tolerance")
    (item,) = recall.items.all()
    assert (item.certificate, item.customer) == (world.cert_scale, world.market)
    with pytest.raises(ValidationError, match="ZB-2025-0001"):
        services.close_recall(recall, lab.recorder)
    with pytest.raises(ValidationError, match="how was the customer notified"):
        services.update_recall_item(item, lab.recorder, notified_on=dt.date(2026, 1, 11))
    services.update_recall_item(
        item, lab.recorder, notified_on=dt.date(2026, 1, 11), method="letter"
    )
    assert not item.resolved  # notified, not yet re-verified
    with pytest.raises(ValidationError, match="nonconforming standard again"):
        again = Certificate.objects.create(
            number="ZB-2026-R1", kind="verification", issuer=world.city, instrument=world.scale,
            regulation="JJG 539-2016", calibration_date=dt.date(2026, 1, 20),
            issued_on=dt.date(2026, 1, 20), conclusion="pass",
        )  # fmt: skip
        again.use_standards(world.f1)
        services.update_recall_item(item, lab.recorder, new_certificate_number="ZB-2026-R1")
    fresh = Certificate.objects.create(
        number="ZB-2026-R2", kind="verification", issuer=world.city, instrument=world.scale,
        regulation="JJG 539-2016", calibration_date=dt.date(2026, 1, 21),
        issued_on=dt.date(2026, 1, 21), conclusion="pass",
    )  # fmt: skip
    fresh.use_standards(world.e2)
    services.update_recall_item(item, lab.recorder, new_certificate_number="ZB-2026-R2")
    item.refresh_from_db()
    assert item.resolved and item.new_certificate == fresh
    services.close_recall(recall, lab.recorder)
    assert not recall.is_open
    with pytest.raises(ValidationError, match="closed recalls"):
        services.update_recall_item(item, lab.recorder, waived_reason="late")


@pytest.mark.django_db(transaction=True)
def test_two_issuers_never_share_a_number(lab: Any) -> None:
    from django.db import OperationalError, close_old_connections, transaction

    from jiliang.calibration import services

    numbers: list[str] = []
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def issue() -> None:
        # SQLite's in-memory test database (shared cache) reports a lock at once instead of
        # waiting like the file database does (busy timeout); retry as the timeout would.
        # PostgreSQL blocks on the locked counter row until the other transaction commits.
        try:
            barrier.wait()
            for attempt in range(200):
                try:
                    with transaction.atomic():
                        number = services._next_number(lab.world.city, dt.date(2026, 3, 1))
                    numbers.append(number)
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc) or attempt == 199:
                        raise
                    time.sleep(random.uniform(0.005, 0.06))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(numbers) == ["370300-2026-000001", "370300-2026-000002"]
