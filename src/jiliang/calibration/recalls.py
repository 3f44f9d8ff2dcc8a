"""Recall of certificates issued with a standard later found nonconforming (ISO/IEC 17025
7.10): impact analysis, the customers' notification and re-verification, closing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiliang.calibration.access import require_lab_staff
from jiliang.calibration.models import Recall, RecallItem
from jiliang.registry import traceability
from jiliang.registry.models import Certificate, MeasurementStandard


def open_recall(user: Any, standard: MeasurementStandard, since: dt.date, reason: str) -> Recall:
    """Impact analysis of a nonconforming standard → one item per affected certificate."""
    require_lab_staff(user, standard.institution_id)
    last_good, rows = traceability.impact(standard, since, user)
    with transaction.atomic():
        recall = Recall.objects.create(
            lab_id=standard.institution_id,
            standard=standard,
            nonconforming_since=since,
            last_good=last_good,
            reason=reason,
            opened_by=user,
        )
        for row in rows:
            cert = Certificate.objects.get(number=row.certificate)
            RecallItem.objects.get_or_create(
                recall=recall, certificate=cert, defaults={"customer_id": row.customer_id}
            )
    return recall


def update_recall_item(
    item: RecallItem,
    user: Any,
    *,
    notified_on: dt.date | None = None,
    method: str = "",
    new_certificate_number: str = "",
    waived_reason: str = "",
) -> RecallItem:
    require_lab_staff(user, item.recall.lab_id)
    if not item.recall.is_open:
        raise ValidationError({"recall": "closed recalls do not change"})
    errors: dict[str, str] = {}
    if notified_on is not None:
        if method not in RecallItem.Method.values or not method:
            errors["method"] = "how was the customer notified (letter, email, phone, visit)"
        item.notified_on, item.method = notified_on, method
    if new_certificate_number:
        new = Certificate.objects.filter(number=new_certificate_number).first()
        if new is None:
            errors["new_certificate"] = f"no certificate {new_certificate_number!r}"
        elif new.instrument_id != item.certificate.instrument_id:
            errors["new_certificate"] = "is for another instrument"
        elif new.calibration_date < item.recall.nonconforming_since:
            errors["new_certificate"] = "was made before the nonconformity was found"
        elif item.recall.standard in new.standards_used.all():
            errors["new_certificate"] = "was made with the nonconforming standard again"
        else:
            item.new_certificate = new
    if waived_reason:
        item.waived_reason = waived_reason
    if errors:
        raise ValidationError(errors)
    item.save()
    return item


def close_recall(recall: Recall, user: Any) -> Recall:
    require_lab_staff(user, recall.lab_id)
    open_items = [i.certificate.number for i in recall.items.all() if not i.resolved]
    if open_items:
        raise ValidationError(
            {"items": f"not resolved (notification and re-verification): {', '.join(open_items)}"}
        )
    recall.closed_at = timezone.now()
    recall.save(update_fields=["closed_at"])
    return recall
