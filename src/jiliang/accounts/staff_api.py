"""REST endpoints of an institution's staff (issue 13 §2), for its managers.

401 anonymous, 403 for a user who is not a manager, 404 for a user outside the manager's
institution (the same answer as for one that does not exist), 400 with field + reason for a
refused change (last manager, unknown role, another institution's metrologist). The person
is named by its registration number, never by a database id.
No `from __future__ import annotations`: ninja reads the annotations.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool

from jiliang.accounts import staff
from jiliang.accounts.models import User
from jiliang.bounds import Id, JsonObject
from jiliang.registry.models import Person
from jiliang.registry.schemas import ErrorOut

router = Router(tags=["staff"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    institution: str
    roles: list[str]
    person: str | None = Field(None, description="the linked registration number")
    person_name: str | None
    active: bool

    @staticmethod
    def resolve_institution(obj: User) -> str:
        return obj.institution.name_zh if obj.institution else ""

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return list(obj.staff_roles or [])

    @staticmethod
    def resolve_person(obj: User) -> str | None:
        person = getattr(obj, "person", None)
        return person.registration_number if person else None

    @staticmethod
    def resolve_person_name(obj: User) -> str | None:
        person = getattr(obj, "person", None)
        return person.name if person else None

    @staticmethod
    def resolve_active(obj: User) -> bool:
        return obj.is_active


class StaffCreated(StaffOut):
    invitation: str = Field(description="the signed one-time link's token (shown once)")


class StaffIn(JsonObject):
    username: str = Field(max_length=150)
    display_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    roles: list[str] = Field(default_factory=lambda: ["readonly"], max_length=5)
    person: str | None = Field(None, max_length=40, description="registration number")


class StaffPatch(JsonObject):
    display_name: str | None = Field(None, max_length=100)
    roles: list[str] | None = Field(None, max_length=5)
    person: str | None = Field(
        None, max_length=40, description="registration number; an empty string unlinks"
    )
    active: StrictBool | None = None  # true/false only, not 0/1


def _manager(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.is_authenticated:
        raise HttpError(401, "log in or send a bearer token (请登录或提供令牌)")
    try:
        staff.require_manager(user)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return user


def _person(institution_id: int | None, number: str) -> Person:
    person = staff.people_of(institution_id or 0).filter(registration_number=number.strip()).first()
    if person is None:
        raise ValidationError({"person": f"no registered metrologist {number[:40]!r} of yours"})
    return person


@router.get("/", response={200: list[StaffOut], **ERRORS})
def list_staff(request: HttpRequest) -> Any:
    """The users of the manager's institution (never a platform admin)."""
    return staff.staff_of(_manager(request))


@router.post("/", response={201: StaffCreated, **ERRORS})
def create_staff(request: HttpRequest, payload: StaffIn) -> Any:
    """A new user of the manager's institution; it sets its password with the invitation."""
    manager = _manager(request)
    person = _person(manager.institution_id, payload.person) if payload.person else None
    user = staff.create_user(
        manager,
        username=payload.username,
        display_name=payload.display_name,
        email=payload.email,
        roles=payload.roles,
        person=person,
    )
    user = staff.staff_of(manager).get(pk=user.pk)
    user.invitation = staff.invitation_token(user)  # type: ignore[attr-defined]
    return Status(201, user)


@router.patch("/{pk}", response={200: StaffOut, **ERRORS})
def update_staff(request: HttpRequest, pk: Id, payload: StaffPatch) -> Any:
    """Roles, linked metrologist, name or activity (active=false deactivates)."""
    manager = _manager(request)
    user = staff.staff_of(manager).filter(pk=pk).first()
    if user is None:
        raise HttpError(404, f"no user {pk} of your institution (无此人员)")
    person: Person | bool | None = False
    if payload.person is not None:
        person = _person(user.institution_id, payload.person) if payload.person.strip() else None
    staff.update_user(
        manager,
        user,
        roles=payload.roles,
        person=person,
        display_name=payload.display_name,
        active=payload.active,
    )
    return staff.staff_of(manager).get(pk=pk)
