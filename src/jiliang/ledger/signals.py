"""Receivers that append legal events to the log.

- Certificate created: logged after the transaction commits (transaction.on_commit), when
  its standards_used m2m is set too; all certificates of one transaction in one append;
  deduplicated by number, so a retry never logs twice.
  If the standards of an already logged certificate change, certificate.standards_changed
  is logged. A crash between commit and append is repaired by `jiliang ledger sync`, and
  `jiliang ledger verify` reports any certificate missing from the log.
- Bulk imports send registry.signals.certificates_imported and standards_imported after commit: logged in batch.
- Examination certificate granted / renewed / revoked / reinstated, and a measurement
  standard's status change: logged in the same transaction as the change.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from jiliang.ledger import records
from jiliang.ledger.models import LogEntry
from jiliang.ledger.services import append
from jiliang.registry.models import Certificate, ExaminationCertificate, MeasurementStandard
from jiliang.registry.signals import certificates_imported, standards_imported

_pending = threading.local()


def _pending_ids() -> set[int]:
    ids: set[int] | None = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    return ids


def _flush_certificates() -> None:
    """Log every certificate created by the transactions committed so far, in one batch
    (ids of a rolled-back transaction no longer exist and are skipped by the query)."""
    ids = _pending_ids()
    if ids:
        batch = sorted(ids)
        ids.clear()
        records.log_certificates(batch)


@receiver(post_save, sender=Certificate)
def certificate_saved(sender: Any, instance: Certificate, created: bool, **kw: Any) -> None:
    if created and not kw.get("raw"):
        _pending_ids().add(instance.pk)
        transaction.on_commit(_flush_certificates, robust=True)


@receiver(m2m_changed, sender=Certificate.standards_used.through)
def standards_changed(sender: Any, instance: Any, action: str, reverse: bool, **kw: Any) -> None:
    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    key = f"{records.CERTIFICATE_ISSUED}:{instance.number}"
    if LogEntry.objects.filter(dedupe_key=key).exists():
        transaction.on_commit(partial(records.log_standards_changed, instance.pk), robust=True)


@receiver(certificates_imported)
def certificates_were_imported(sender: Any, certificate_ids: list[int], **kw: Any) -> None:
    records.log_certificates(certificate_ids)


@receiver(standards_imported)
def standards_were_imported(sender: Any, examination_certificates: list[Any], **kw: Any) -> None:
    """Bulk imports bypass post_save: log each imported examination certificate as granted."""
    items = [
        records.standard_item(
            "standard.examination_granted",
            exam.standard,
            {
                "certificate": exam.number,
                "issued_on": exam.issued_on.isoformat(),
                "valid_until": exam.valid_until.isoformat(),
            },
        )
        for exam in examination_certificates
    ]
    if items:
        append(items)


@receiver(pre_save, sender=ExaminationCertificate)
def _exam_before(sender: Any, instance: ExaminationCertificate, **kw: Any) -> None:
    if instance.pk is not None and not kw.get("raw"):
        old = sender.objects.filter(pk=instance.pk).values_list("revoked_on", flat=True).first()
        instance._ledger_old_revoked = old  # type: ignore[attr-defined]


@receiver(post_save, sender=ExaminationCertificate)
def exam_saved(sender: Any, instance: ExaminationCertificate, created: bool, **kw: Any) -> None:
    if kw.get("raw"):
        return
    standard = instance.standard
    body: dict[str, Any] = {
        "certificate": instance.number,
        "issued_on": instance.issued_on.isoformat(),
        "valid_until": instance.valid_until.isoformat(),
    }
    if created:
        earlier = sender.objects.filter(standard=standard).exclude(pk=instance.pk).exists()
        kind = "standard.examination_renewed" if earlier else "standard.examination_granted"
    else:
        old = getattr(instance, "_ledger_old_revoked", None)
        if old == instance.revoked_on:
            return
        if instance.revoked_on is None:
            kind = "standard.examination_reinstated"
        else:
            kind = "standard.examination_revoked"
            body["revoked_on"] = instance.revoked_on.isoformat()
    append([records.standard_item(kind, standard, body)])


@receiver(pre_save, sender=MeasurementStandard)
def _standard_before(sender: Any, instance: MeasurementStandard, **kw: Any) -> None:
    if instance.pk is not None and not kw.get("raw"):
        old = sender.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        instance._ledger_old_status = old  # type: ignore[attr-defined]


@receiver(post_save, sender=MeasurementStandard)
def standard_saved(sender: Any, instance: MeasurementStandard, created: bool, **kw: Any) -> None:
    if created or kw.get("raw"):
        return
    old = getattr(instance, "_ledger_old_status", None)
    if old is None or old == instance.status:
        return
    kind = (
        "standard.found_nonconforming"
        if instance.status == MeasurementStandard.Status.NONCONFORMING
        else "standard.status_changed"
    )
    since = instance.nonconforming_since
    body = {
        "old_status": old,
        "new_status": instance.status,
        "nonconforming_since": since.isoformat() if since else None,
    }
    append([records.standard_item(kind, instance, body)])
