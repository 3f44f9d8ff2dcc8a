"""Change logging for every registry model: who, when, before/after (NetBox style)."""

from __future__ import annotations

import datetime as dt
import decimal
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
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


@dataclass(frozen=True)
class Change:
    """One entry of an object's change log: a ChangeRecord, or its row of a bulk creation."""

    time: dt.datetime
    user: Any
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    source: str = ""


def acting_user(user: Any) -> Any:
    """The user to record: the one given if signed in, else the request's (or None)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return current_user.get()


BULK_CHUNK = 500  # rows per BulkCreatedRows: one object's log reads one chunk


def record_bulk_creation(
    user: Any,
    model: type[models.Model],
    created: Sequence[tuple[int, dict[str, Any]]],
    *,
    source: str = "",
    source_rows: Sequence[int] | None = None,
) -> Any:
    """Record rows created in bulk, (id, snapshot) each, as one BulkCreation.

    The rows are stored in chunks of consecutive ids, so `history` finds an object's row with
    one index probe. Every snapshot has the same fields, in the same order (the model's). `source_rows` gives the file row of each created row, if any.
    """
    from jiliang.accounts.models import BulkCreatedRows, BulkCreation
    from jiliang.dbutil import insert_dicts

    label = model._meta.label_lower
    creation = BulkCreation.objects.create(
        user=acting_user(user), model=label, source=source[:200], count=len(created)
    )
    order = sorted(range(len(created)), key=lambda i: created[i][0])
    chunks: list[dict[str, Any]] = []
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < BULK_CHUNK
            and created[order[end]][0] == created[order[end - 1]][0] + 1
        ):
            end += 1
        picked = order[start:end]
        chunks.append(
            {
                "creation_id": creation.pk,
                "model": label,
                "first_id": created[picked[0]][0],
                "last_id": created[picked[-1]][0],
                "fields": list(created[picked[0]][1]),
                "rows": orjson.dumps([list(created[i][1].values()) for i in picked]).decode(),
                "source_rows": [source_rows[i] for i in picked] if source_rows else [],
            }
        )
        start = end
    insert_dicts(BulkCreatedRows, chunks)
    return creation


def history(label: str, object_id: Any) -> list[Change]:
    """An object's change log, newest first: its ChangeRecords, then its bulk creation."""
    from jiliang.accounts.models import BulkCreatedRows, ChangeRecord

    changes = [
        Change(r.time, r.user, r.action, r.before, r.after)
        for r in ChangeRecord.objects.filter(model=label, object_id=str(object_id)).select_related(
            "user"
        )
    ]
    text = str(object_id)
    if text.isdigit():
        pk = int(text)
        chunk = (
            BulkCreatedRows.objects.filter(model=label, first_id__lte=pk)
            .order_by("-first_id")
            .select_related("creation__user")
            .first()
        )
        if chunk is not None and pk <= chunk.last_id:
            position = pk - chunk.first_id
            creation = chunk.creation
            source = creation.source
            if chunk.source_rows:
                source = f"{source}, row {chunk.source_rows[position]}"
            changes.append(
                Change(
                    creation.time,
                    creation.user,
                    ChangeRecord.Action.CREATE.value,
                    None,
                    dict(zip(chunk.fields, orjson.loads(chunk.rows)[position], strict=True)),
                    source or f"bulk creation #{creation.pk}",
                )
            )
    return changes


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


# --- reading a change log: names, not ids ---------------------------------------------------


def user_name(user: Any) -> str:
    """How a person appears in a change log: display name, else full name, else login."""
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(getattr(user, "display_name", "") or full or user.username)


def _names(model: type[models.Model], ids: set[Any]) -> dict[str, str]:
    """str() of the related rows named in a log, read in one query per model."""
    keys = {i for i in ids if i not in (None, "")}
    if not keys:
        return {}
    rows = model._default_manager.filter(pk__in=keys)
    if model._meta.label_lower == "accounts.user":
        return {str(u.pk): user_name(u) for u in rows}
    return {str(obj.pk): str(obj) for obj in rows}


def readable_changes(
    label: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, str, str]]:
    """(field's name, before, after) of every changed field, as a person reads them.

    Foreign keys show the related row's name (institution, instrument serial, user's display
    name), choices their label, empty values "∅"; a row deleted since shows "#id".
    """
    from django.apps import apps

    before, after = before or {}, after or {}
    names = [*before, *(k for k in after if k not in before)]
    changed = [n for n in names if before.get(n) != after.get(n)]
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        model = None
    by_attname = {f.attname: f for f in model._meta.concrete_fields} if model is not None else {}
    lookups: dict[str, dict[str, str]] = {}
    for name in changed:
        field = by_attname.get(name)
        if field is not None and field.is_relation and field.related_model is not None:
            related: Any = field.related_model
            ids = {before.get(name), after.get(name)}
            lookups[name] = _names(related, ids)

    def show(name: str, value: Any) -> str:
        if value is None or value == "":
            return "∅"
        field = by_attname.get(name)
        if name in lookups:
            return lookups[name].get(str(value), f"#{value}")
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "✓" if value else "✗"
        return str(value)

    rows = []
    for name in changed:
        field = by_attname.get(name)
        title = str(field.verbose_name) if field is not None else name
        rows.append((title, show(name, before.get(name)), show(name, after.get(name))))
    return rows
