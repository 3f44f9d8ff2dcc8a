"""Change logging for every registry model: who, when, before/after (NetBox style)."""

from __future__ import annotations

import datetime as dt
import decimal
import operator
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from jiliang.accounts.middleware import current_user

AUDITED_APPS = {"registry", "calibration", "comparisons", "lots", "taximeters"}


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Plain JSON values of the concrete fields (foreign keys by id)."""
    return plain_values(
        {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    )


def plain_values(values: dict[str, Any]) -> dict[str, Any]:
    """The snapshot form of {attname: value}: dates ISO 8601, decimals as strings, bytes hex.

    Bulk paths that write rows without model instances build their change records with it.
    """
    data: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        elif isinstance(value, bytes):
            value = value.hex()
        data[name] = value
    return data


def snapshot_maker(model: type[models.Model]) -> Any:
    """A fast `plain_values` for rows of one model: only its date and time fields convert.

    Why: bulk imports write a change record per row; testing every value's type costs more
    than the insert at 10^5 rows.
    """
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    take = operator.itemgetter(*names)
    dated = [f.attname for f in fields if isinstance(f, models.DateField | models.DateTimeField)]
    other = [
        f.attname
        for f in fields
        if isinstance(f, models.DecimalField) or f.get_internal_type() == "BinaryField"
    ]

    def make(row: dict[str, Any]) -> dict[str, Any]:
        data = dict(zip(names, take(row), strict=True))
        for name in dated:
            value = data[name]
            if value is not None:
                data[name] = value.isoformat()
        for name in other:
            if data[name] is not None:
                data[name] = plain_values({name: data[name]})[name]
        return data

    return make


def _audited(sender: type[models.Model]) -> bool:
    return sender._meta.app_label in AUDITED_APPS and not getattr(sender, "audit_exempt", False)


def _before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender) or instance.pk is None or kwargs.get("raw"):
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None  # type: ignore[attr-defined]


def _after(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if not _audited(sender) or kwargs.get("raw"):
        return
    from jiliang.accounts.models import ChangeRecord

    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if before == after:
        return
    ChangeRecord.objects.create(
        user=current_user.get(),
        model=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
        before=before,
        after=after,
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender):
        return
    from jiliang.accounts.models import ChangeRecord

    ChangeRecord.objects.create(
        user=current_user.get(),
        model=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=ChangeRecord.Action.DELETE,
        before=snapshot(instance),
        after=None,
    )


def connect_signals() -> None:
    pre_save.connect(_before, dispatch_uid="jiliang-audit-before")
    post_save.connect(_after, dispatch_uid="jiliang-audit-after")
    post_delete.connect(_deleted, dispatch_uid="jiliang-audit-delete")
