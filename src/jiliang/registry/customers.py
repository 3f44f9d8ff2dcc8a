"""Customer relations: what a laboratory may see of an owner, and who decided it (issue 12).

A laboratory sees an owner's instrument only while the owner keeps an accepted relation
with it (`LabCustomer`), and then only the instruments it worked on (issued or imported a
certificate for it, received it in a job) or was given (`LabAccess`, or the relation's
`all_instruments`). Relations come from a job receipt, from the owner sending instruments,
or from a laboratory's request the owner accepts; the owner ends them. Every write path
(web page, API, job receipt, importer, demo) calls these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiliang.dbutil import any_of, value_rows
from jiliang.registry.customer_models import LabAccess, LabCustomer
from jiliang.registry.models import Certificate, Institution, Instrument
from jiliang.registry.querysets import is_admin

Status = LabCustomer.Status
Origin = LabCustomer.Origin
MAX_GRANT = 1000  # instruments one grant names; "all instruments" is the flag, not a list


# --- who may do what --------------------------------------------------------------------------


def _institution(user: Any) -> Institution:
    if user is None or not user.is_authenticated or user.institution_id is None:
        raise PermissionDenied("sign in as a member of an institution 请以机构用户登录")
    return user.institution  # type: ignore[no-any-return]


def _lab_user(user: Any) -> Institution:
    institution = _institution(user)
    if user.role != "lab" or not institution.is_lab:
        raise PermissionDenied("only laboratory staff do this 仅限实验室人员")
    return institution


def _owner_user(user: Any) -> Institution:
    """The owner's side: any member of the owning institution except its lab staff's reads."""
    institution = _institution(user)
    if user.role not in ("owner", "lab"):
        raise PermissionDenied("only the instrument owner does this 仅限器具所有者")
    return institution


# --- reading ----------------------------------------------------------------------------------


def relations_for(user: Any) -> QuerySet[LabCustomer]:
    """The relations the user's institution is a party to (a regulator: its region's)."""
    return LabCustomer.objects.visible_to(user).select_related("lab", "owner").order_by("-id")


def laboratories_of(owner_id: int) -> QuerySet[LabCustomer]:
    return LabCustomer.objects.filter(owner_id=owner_id).select_related("lab").order_by("-id")


def customers_of(lab_id: int) -> QuerySet[LabCustomer]:
    return LabCustomer.objects.filter(lab_id=lab_id).select_related("owner").order_by("-id")


def hidden_from_lab(lab_id: int, instrument_ids: Iterable[int]) -> set[int]:
    """The ids among these that the laboratory may not see (own, worked on or given).

    The predicate the importer may call before writing a lab's certificates: the same rule
    as the instrument list (`querysets.lab_instruments`), evaluated for these ids only, in
    chunks (an import names up to 10^5 instruments; SQLite takes 32,766 values a query).
    """
    from django.db.models import Q

    from jiliang.registry.querysets import lab_instruments

    wanted = sorted({int(i) for i in instrument_ids})
    if not wanted:
        return set()
    rule = Q(owner_id=lab_id) | lab_instruments(lab_id)
    visible: set[int] = set()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        found = Instrument.objects.filter(pk__in=chunk).filter(rule)
        visible.update(found.values_list("pk", flat=True))
    return set(wanted) - visible


def lab_may_see_instruments(lab_id: int, instrument_ids: Iterable[int]) -> bool:
    """Whether the laboratory may see every one of these instruments."""
    return not hidden_from_lab(lab_id, instrument_ids)


# --- derived access: what the laboratory worked on ---------------------------------------------


def note_worked(pairs: Iterable[tuple[int | None, int | None]]) -> None:
    """Record (laboratory, instrument) pairs the laboratory worked on (bulk, idempotent).

    Called for every certificate written (saved, imported, demo) and every job receipt. It
    creates no relation: without the owner's relation the rows give nothing to see.
    Set-based, two statements per laboratory with the ids bound as one parameter: an
    import of 2x10^4 certificates spent 0.7-1 s per 5,000 rows building model instances
    for `bulk_create`. `ON CONFLICT DO NOTHING` keeps concurrent imports of the same pair
    from failing on the unique index.
    """
    by_lab: dict[int, set[int]] = {}
    for lab, inst in pairs:
        if lab is not None and inst is not None:
            by_lab.setdefault(lab, set()).add(inst)
    table = connection.ops.quote_name(LabAccess._meta.db_table)
    worked, granted = LabAccess.Reason.WORKED.value, LabAccess.Reason.GRANTED.value
    with connection.cursor() as cursor:
        for lab, ids in by_lab.items():
            ordered = sorted(ids)
            # worked on outlives the owner taking a grant back: probes of (lab, instrument)
            cond, param = any_of("instrument_id", ordered, "bigint")
            cursor.execute(
                f"UPDATE {table} SET reason = %s"  # noqa: S608 (quoted name, bound values)
                f" WHERE lab_id = %s AND reason = %s AND {cond}",
                [worked, lab, granted, param],
            )
            rows, param = value_rows(ordered, "bigint")
            cursor.execute(
                f"INSERT INTO {table} (lab_id, instrument_id, reason)"  # noqa: S608
                f" SELECT %s, v.value, %s FROM ({rows}) v WHERE true"
                " ON CONFLICT (lab_id, instrument_id) DO NOTHING",
                [lab, worked, param],
            )


def refresh_worked(lab_ids: Iterable[int] | None = None) -> int:
    """Add the worked-on rows that the certificates of these labs (None: all) imply.

    The repair after writes that went around the services (a bench generator, raw SQL),
    set-based as migration 0009; returns the worked-on rows now stored for them.
    """
    quote = connection.ops.quote_name
    access = quote(LabAccess._meta.db_table)
    cert = quote(Certificate._meta.db_table)
    labs = None if lab_ids is None else sorted(set(lab_ids))
    where, params = "c.issuer_id IS NOT NULL", []
    if labs is not None:
        if not labs:
            return 0
        where += f" AND c.issuer_id IN ({', '.join(['%s'] * len(labs))})"
        params = list(labs)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {access} (lab_id, instrument_id, reason)"  # noqa: S608 (quoted names)
            f" SELECT DISTINCT c.issuer_id, c.instrument_id, %s FROM {cert} c WHERE {where}"
            f" AND NOT EXISTS (SELECT 1 FROM {access} a WHERE a.lab_id = c.issuer_id"
            " AND a.instrument_id = c.instrument_id)",
            [LabAccess.Reason.WORKED.value, *params],
        )
    stored = LabAccess.objects.filter(reason=LabAccess.Reason.WORKED)
    if labs is not None:
        stored = stored.filter(lab_id__in=labs)
    return stored.count()


def relations_from_loaded_certificates() -> int:
    """Accepted relations (origin: receipt) for every (issuer, owner) pair of the stored
    certificates that has none; returns the number created.

    Only for data loaders (the demo, the benchmarks) whose certificates stand for instruments
    the labs received: a real import never creates a relation (issue 12). Set-based, as
    migration 0009.
    """
    quote = connection.ops.quote_name
    cust = quote(LabCustomer._meta.db_table)
    cert = quote(Certificate._meta.db_table)
    inst = quote(Instrument._meta.db_table)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {cust} (lab_id, owner_id, status, origin, all_instruments, note,"  # noqa: S608
            " created_at, accepted_at) SELECT DISTINCT c.issuer_id, i.owner_id, %s, %s, %s, '',"
            f" %s, %s FROM {cert} c JOIN {inst} i ON i.id = c.instrument_id"
            " WHERE c.issuer_id IS NOT NULL AND c.issuer_id <> i.owner_id AND NOT EXISTS"
            f" (SELECT 1 FROM {cust} r WHERE r.lab_id = c.issuer_id AND r.owner_id = i.owner_id)",
            [Status.ACCEPTED.value, Origin.RECEIPT.value, False, now, now],
        )
        return max(cursor.rowcount, 0)


def instrument_moved(instrument_id: int) -> None:
    """A new owner has consented to nothing: the instrument's access rows go."""
    LabAccess.objects.filter(instrument_id=instrument_id).delete()


# --- the relation's life ------------------------------------------------------------------------


def note_receipt(user: Any, lab_id: int, instrument: Instrument) -> LabCustomer | None:
    """A job received the instrument: the owner is the lab's customer, the lab worked on it.

    A relation the owner ended stays ended (the job could only be created while the lab
    saw the instrument, so this happens only in a race with the owner's end).
    """
    note_worked([(lab_id, instrument.pk)])
    if instrument.owner_id == lab_id:
        return None
    relation, _created = LabCustomer.objects.get_or_create(
        lab_id=lab_id,
        owner_id=instrument.owner_id,
        defaults={
            "status": Status.ACCEPTED,
            "origin": Origin.RECEIPT,
            "created_by": _signed_in(user),
            "accepted_at": timezone.now(),
        },
    )
    return relation


def _signed_in(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def request_relation(user: Any, owner: Institution, note: str = "") -> LabCustomer:
    """A laboratory asks an owner to become its customer; nothing is visible until accepted."""
    lab = _lab_user(user)
    note = _clean_note(note)
    if owner.pk == lab.pk:
        raise ValidationError(
            {"owner": "a laboratory is not its own customer 不能与本机构建立关系"}
        )
    relation = LabCustomer.objects.select_for_update().filter(lab=lab, owner=owner).first()
    if relation is None:
        return LabCustomer.objects.create(
            lab=lab,
            owner=owner,
            status=Status.REQUESTED,
            origin=Origin.REQUEST,
            note=note,
            created_by=user,
        )
    if relation.status != Status.ENDED:
        raise ValidationError(
            {"owner": f"a relation is already {relation.status} 关系已存在 ({relation.status})"}
        )
    relation.status = Status.REQUESTED
    relation.origin = Origin.REQUEST
    relation.note = note
    relation.created_by = user
    relation.created_at = timezone.now()
    relation.accepted_at = relation.accepted_by = None
    relation.ended_at = relation.ended_by = None
    relation.all_instruments = False
    relation.save()
    return relation


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 200 or "\x00" in note:
        raise ValidationError({"note": "at most 200 characters, no NUL 最多200字符"})
    return note


def _owned_relation(user: Any, relation_id: int) -> LabCustomer:
    """The relation of the user's institution as owner, locked; the same answer whether it
    does not exist or belongs to others (no question answered that the user may not ask)."""
    owner = _owner_user(user)
    relation = (
        LabCustomer.objects.select_for_update().filter(pk=relation_id, owner_id=owner.pk).first()
    )
    if relation is None:
        raise LabCustomer.DoesNotExist(f"no relation {relation_id} of yours 无此关系")
    return relation


@transaction.atomic
def accept_relation(user: Any, relation_id: int, *, all_instruments: bool = False) -> LabCustomer:
    """The owner accepts a laboratory's request (optionally giving all its instruments)."""
    relation = _owned_relation(user, relation_id)
    if relation.status != Status.REQUESTED:
        raise ValidationError(
            {"status": f"only a request is accepted; this one is {relation.status} 仅可接受申请"}
        )
    relation.status = Status.ACCEPTED
    relation.accepted_at = timezone.now()
    relation.accepted_by = user
    relation.all_instruments = bool(all_instruments)
    relation.save()
    return relation


@transaction.atomic
def end_relation(user: Any, relation_id: int) -> LabCustomer:
    """The owner ends (or declines) a relation: the lab no longer sees its instruments.

    The lab's access rows stay, so the record of what it worked on is kept; they give
    nothing to see without an accepted relation, and the lab still sees its certificates.
    """
    relation = _owned_relation(user, relation_id)
    if relation.status == Status.ENDED:
        raise ValidationError({"status": "the relation has already ended 关系已终止"})
    relation.status = Status.ENDED
    relation.ended_at = timezone.now()
    relation.ended_by = user
    relation.all_instruments = False
    relation.save()
    LabAccess.objects.filter(
        lab_id=relation.lab_id,
        reason=LabAccess.Reason.GRANTED,
        instrument__owner_id=relation.owner_id,
    ).delete()
    return relation


@transaction.atomic
def grant(
    user: Any,
    lab: Institution,
    instrument_ids: Iterable[int] = (),
    *,
    all_instruments: bool | None = None,
) -> LabCustomer:
    """The owner gives a laboratory instruments (or all of them): its own consent, so the
    relation is accepted (created or taken up again if needed)."""
    owner = _owner_user(user)
    if not lab.is_lab or lab.pk == owner.pk:
        raise ValidationError({"lab": "not another laboratory 不是其他实验室"})
    ids = sorted({int(i) for i in instrument_ids})
    if len(ids) > MAX_GRANT:
        raise ValidationError(
            {"instrument_ids": f"at most {MAX_GRANT} per grant; give all instead 单次最多"}
        )
    own = set(Instrument.objects.filter(owner_id=owner.pk, pk__in=ids).values_list("pk", flat=True))
    if len(own) != len(ids):
        raise ValidationError(
            {
                "instrument_ids": "not instruments of yours: "
                + ", ".join(map(str, sorted(set(ids) - own)))
            }
        )
    relation = LabCustomer.objects.select_for_update().filter(lab=lab, owner=owner).first()
    now = timezone.now()
    if relation is None:
        relation = LabCustomer(lab=lab, owner=owner, origin=Origin.OWNER, created_by=user)
    if relation.status != Status.ACCEPTED or relation.pk is None:
        if relation.status == Status.ENDED:
            relation.origin, relation.created_by, relation.created_at = Origin.OWNER, user, now
            relation.ended_at = relation.ended_by = None
        relation.status = Status.ACCEPTED
        relation.accepted_at, relation.accepted_by = now, user
    if all_instruments is not None:
        relation.all_instruments = all_instruments
    relation.save()
    existing = set(
        LabAccess.objects.filter(lab=lab, instrument_id__in=ids).values_list(
            "instrument_id", flat=True
        )
    )
    for instrument_id in ids:  # one by one: each grant is in the change log
        if instrument_id not in existing:
            LabAccess.objects.create(
                lab=lab, instrument_id=instrument_id, reason=LabAccess.Reason.GRANTED
            )
    return relation


@transaction.atomic
def revoke(user: Any, lab: Institution, instrument_ids: Iterable[int]) -> int:
    """The owner takes given instruments back (what the lab worked on stays worked on)."""
    owner = _owner_user(user)
    ids = sorted({int(i) for i in instrument_ids})
    rows = LabAccess.objects.filter(
        lab=lab,
        instrument_id__in=ids,
        instrument__owner_id=owner.pk,
        reason=LabAccess.Reason.GRANTED,
    )
    count = 0
    for row in rows:  # one by one: each revocation is in the change log
        row.delete()
        count += 1
    return count


def may_act_as_owner(user: Any, relation: LabCustomer) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.institution_id == relation.owner_id or is_admin(user))
    )
