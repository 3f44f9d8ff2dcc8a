"""REST endpoints of customer relations (issue 12 §1): the owner lists its laboratories,
accepts, ends and grants; the laboratory lists its customers and requests one.

403 for a role that may not act, 400 with field + reason for a refused change, 404 for a
relation that does not exist or is not the user's to act on (the same answer for both).
No `from __future__ import annotations`: ninja resolves the annotations of @paginate views.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StrictBool

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id, Pagination
from jiliang.registry import customers
from jiliang.registry.customer_models import LabAccess, LabCustomer
from jiliang.registry.models import Institution
from jiliang.registry.schemas import ErrorOut

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class RelationOut(Schema):
    id: int
    lab_id: int
    lab: str
    owner_id: int
    owner: str
    status: str
    origin: str
    all_instruments: bool
    note: str
    created_at: dt.datetime
    created_by: str | None
    accepted_at: dt.datetime | None
    accepted_by: str | None
    ended_at: dt.datetime | None
    ended_by: str | None

    @staticmethod
    def resolve_lab(obj: LabCustomer) -> str:
        return obj.lab.name_zh

    @staticmethod
    def resolve_owner(obj: LabCustomer) -> str:
        return obj.owner.name_zh

    @staticmethod
    def resolve_created_by(obj: LabCustomer) -> str | None:
        return _name(obj.created_by)

    @staticmethod
    def resolve_accepted_by(obj: LabCustomer) -> str | None:
        return _name(obj.accepted_by)

    @staticmethod
    def resolve_ended_by(obj: LabCustomer) -> str | None:
        return _name(obj.ended_by)


class AccessOut(Schema):
    instrument_id: int
    reason: str

    @staticmethod
    def resolve_reason(obj: LabAccess) -> str:
        return LabAccess.Reason(obj.reason).name.lower()


class RequestIn(Schema):
    owner_id: Id
    note: str = Field("", max_length=200)


class AcceptIn(Schema):
    all_instruments: StrictBool = False


class GrantIn(Schema):
    lab_id: Id
    instrument_ids: list[Id] = Field(default_factory=list, max_length=customers.MAX_GRANT)
    all_instruments: StrictBool | None = None  # true/false only, not 0/1 or "yes"


class RevokeIn(Schema):
    lab_id: Id
    instrument_ids: list[Id] = Field(max_length=customers.MAX_GRANT)


def _name(user: Any) -> str | None:
    return user.username if user is not None else None


def _act[T](fn: Callable[[], T]) -> T:
    try:
        return fn()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "not allowed") from None
    except LabCustomer.DoesNotExist as exc:
        raise HttpError(404, str(exc)) from None


def _lab(pk: int) -> Institution:
    """Institutions are a public register: naming one answers nothing secret."""
    return get_object_or_404(Institution, pk=pk)


def _fresh(relation: LabCustomer) -> LabCustomer:
    """The relation with the related rows its answer names, read in one query."""
    related = ("lab", "owner", "created_by", "accepted_by", "ended_by")
    return LabCustomer.objects.select_related(*related).get(pk=relation.pk)


def _relations(user: Any) -> QuerySet[LabCustomer]:
    return customers.relations_for(user).select_related("created_by", "accepted_by", "ended_by")


@router.get("/customers", response=list[RelationOut])
@paginate(Pagination)
def list_relations(
    request: HttpRequest, status: Literal["", "requested", "accepted", "ended"] = ""
) -> QuerySet[LabCustomer]:
    """Relations the user's institution is a party to: as laboratory or as owner."""
    qs = _relations(api_user(request))
    if status:
        if status not in LabCustomer.Status.values:
            raise HttpError(422, f"status must be one of {', '.join(LabCustomer.Status.values)}")
        qs = qs.filter(status=status)
    return qs


# paths without an id first: Django's resolver takes the first pattern that matches
@router.post("/customers/requests", response={201: RelationOut, **ERRORS})
def request_relation(request: HttpRequest, payload: RequestIn) -> Status[Any]:
    """A laboratory asks an owner to become its customer (nothing visible until accepted)."""
    user = api_user(request)
    owner = get_object_or_404(Institution, pk=payload.owner_id)
    relation = _act(lambda: customers.request_relation(user, owner, payload.note))
    return Status(201, _fresh(relation))


@router.post("/customers/grants", response={200: RelationOut, **ERRORS})
def grant(request: HttpRequest, payload: GrantIn) -> LabCustomer:
    """The owner gives a laboratory instruments, or all of them (`all_instruments`)."""
    user = api_user(request)
    lab = _lab(payload.lab_id)
    relation = _act(
        lambda: customers.grant(
            user, lab, payload.instrument_ids, all_instruments=payload.all_instruments
        )
    )
    return _fresh(relation)


@router.post("/customers/revocations", response={200: dict[str, int], **ERRORS})
def revoke(request: HttpRequest, payload: RevokeIn) -> dict[str, int]:
    """The owner takes given instruments back; what the lab worked on stays."""
    user = api_user(request)
    lab = _lab(payload.lab_id)
    return {"revoked": _act(lambda: customers.revoke(user, lab, payload.instrument_ids))}


@router.get("/customers/{relation_id}", response={200: RelationOut, 404: ErrorOut})
def get_relation(request: HttpRequest, relation_id: Id) -> LabCustomer:
    return get_object_or_404(_relations(api_user(request)), pk=relation_id)


@router.get("/customers/{relation_id}/access", response={200: list[AccessOut], 404: ErrorOut})
@paginate(Pagination)
def list_access(request: HttpRequest, relation_id: Id) -> QuerySet[LabAccess]:
    """The instruments the relation's laboratory worked on or was given, of this owner."""
    relation = get_object_or_404(_relations(api_user(request)), pk=relation_id)
    return LabAccess.objects.filter(
        lab_id=relation.lab_id, instrument__owner_id=relation.owner_id
    ).order_by("instrument_id")


@router.post("/customers/{relation_id}/accept", response={200: RelationOut, **ERRORS})
def accept(request: HttpRequest, relation_id: Id, payload: AcceptIn) -> LabCustomer:
    user = api_user(request)
    relation = _act(
        lambda: customers.accept_relation(
            user, relation_id, all_instruments=payload.all_instruments
        )
    )
    return _fresh(relation)


@router.post("/customers/{relation_id}/end", response={200: RelationOut, **ERRORS})
def end(request: HttpRequest, relation_id: Id) -> LabCustomer:
    """The owner ends (or declines) a relation: the lab no longer sees its instruments."""
    user = api_user(request)
    return _fresh(_act(lambda: customers.end_relation(user, relation_id)))
