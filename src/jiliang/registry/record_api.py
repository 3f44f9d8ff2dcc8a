"""API to create and change registry records one at a time, and the search-as-you-type pickers.

The forms of the pages (`edit_forms`) clean the API's bodies too, and `records` /
`state_changes` write them: one rule book for page and API. 401 anonymous, 403 a role that
may not act, 400 with field + reason, 404 for what the user cannot see.
No `from __future__ import annotations`: ninja resolves the annotations itself.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id
from jiliang.registry import records
from jiliang.registry.edit_forms import CustomerForm, InstrumentForm
from jiliang.registry.models import Institution, Instrument
from jiliang.registry.regions import search as search_regions
from jiliang.registry.schemas import ErrorOut
from jiliang.registry.state_changes import STATES, change_state

router = Router(tags=["records"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
PICK_LIMIT = 20
Query = Annotated[str, Field(max_length=60, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


def _short(q: str) -> bool:
    """Too short to search: ASCII needs two characters, a 汉字 one."""
    text = q.strip()
    return not text or (text.isascii() and len(text) < 2)


class PickOut(Schema):
    value: str  # what the form field takes (USCC, division code, instrument id)
    label: str  # what the person reads
    detail: str = ""


@router.get("/pick/instruments", response=list[PickOut], tags=["pickers"])
def pick_instruments(
    request: HttpRequest,
    q: Query = "",
    owner: Id | None = None,
    own: bool = False,
    value: Literal["id", "serial"] = "id",
) -> list[dict[str, Any]]:
    """Instruments the user may see whose serial number or name starts with `q` (≤ 20).

    `owner` narrows to one owner (its (owner, serial) index), `own` to the user's own
    institution (equipment of a standard is chosen among one's own instruments); `value`
    says what the chosen row fills in: its id, or its serial number.
    """
    user = api_user(request)
    if _short(q):
        return []
    qs = Instrument.objects.visible_to(user)
    if own:
        qs = qs.filter(owner_id=user.institution_id or 0)
    elif owner is not None:
        qs = qs.filter(owner_id=owner)
    text = q.strip()
    rows: dict[int, Instrument] = {}
    # serial number, then name, then owner's name: each an index range (instrument_serial,
    # instrument_name, the owner's (owner, due) index), read until 20 rows are found
    for condition in (
        _prefix("serial_number", text),
        _prefix("name", text),
        Q(owner_id__in=_owners_named(text)),
    ):
        if len(rows) >= PICK_LIMIT:
            break
        found = (
            qs.filter(condition)
            .exclude(pk__in=list(rows))
            .select_related("owner")
            .only("id", "serial_number", "name", "owner__name_zh")
            .order_by()[: PICK_LIMIT - len(rows)]
        )
        rows.update((i.pk, i) for i in found)
    return [
        {
            "value": i.serial_number if value == "serial" else str(i.pk),
            "label": f"{i.serial_number} {i.name}",
            "detail": i.owner.name_zh,
        }
        for i in rows.values()
    ]


def _prefix(field: str, text: str) -> Q:
    """`field` starts with `text`, as an index range.

    PostgreSQL serves LIKE 'text%' from the pattern-ops index; SQLite's LIKE ignores case
    and so no index, but the range [text, text + U+10FFFF) is one (case-sensitive).
    """
    condition = Q(**{f"{field}__startswith": text})
    if connection.vendor != "postgresql":
        condition &= Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})
    return condition


def _owners_named(text: str) -> list[int]:
    """Owners whose name starts with the text (few: at most 20)."""
    return list(
        Institution.objects.filter(_prefix("name_zh", text)).values_list("pk", flat=True)[
            :PICK_LIMIT
        ]
    )


@router.get("/pick/institutions", response=list[PickOut], tags=["pickers"])
def pick_institutions(request: HttpRequest, q: Query = "") -> list[dict[str, Any]]:
    """Institutions by name or USCC prefix (≤ 20); a customer not yet on the platform only
    for the laboratory that recorded it."""
    user = api_user(request)
    if _short(q):
        return []
    text = q.strip()
    qs = Institution.objects.visible_to(user)
    shown = Q(joined=True)
    if user.institution_id is not None:
        shown |= Q(recorded_by_id=user.institution_id)
    condition = Q(name_zh__contains=text) | Q(name_en__icontains=text)
    if text.isalnum() and text.isascii():
        condition |= Q(uscc__startswith=text.upper())
    found = qs.filter(shown & condition).order_by("name_zh")[:PICK_LIMIT]
    return [
        {
            "value": i.uscc,
            "label": i.name_zh,
            "detail": i.uscc + ("" if i.joined else " · " + _("未加入平台")),
        }
        for i in found
    ]


@router.get("/pick/regions", response=list[PickOut], tags=["pickers"])
def pick_regions(request: HttpRequest, q: Query = "") -> list[dict[str, Any]]:
    """GB/T 2260 divisions by name (or code prefix), ≤ 20; public data, no sign-in needed."""
    if _short(q) and not q.strip().isdigit():
        return []
    return [
        {"value": r.code, "label": r.path, "detail": r.code} for r in search_regions(q, PICK_LIMIT)
    ]


# --- writes ------------------------------------------------------------------------------


class InstrumentBody(Schema):
    owner: str = Field("", max_length=18, description="owner's USCC (creation only)")
    name: str = Field(max_length=200)
    serial_number: str = Field(max_length=200)
    division_code: str = Field(max_length=20)
    location: str = Field("", max_length=400)
    category: str = Field("", max_length=20)
    quantity: str = Field("", max_length=60)
    use_area: str = Field("other", max_length=20)
    maker: str = Field("", max_length=200)
    model: str = Field("", max_length=200)
    cpa_mark: str = Field("", max_length=80)
    unit: str = Field("", max_length=40)
    range_min: str = Field("", max_length=40, description="a number, or with a unit: '40 g'")
    range_max: str = Field("", max_length=40, description="a number, or with a unit: '15 kg'")
    accuracy_class: str = Field("", max_length=40)
    mpe: str = Field("", max_length=40, description="a number, or with a unit: '5 g'")
    part_of_standard: str = Field("", max_length=60)


class InstrumentSaved(Schema):
    id: int
    owner: str
    serial_number: str
    name: str
    unit: str
    range_min: float | None
    range_max: float | None
    mpe: float | None
    status: str


def _form_errors(form: Any) -> Status[Any]:
    errors = [
        {"field": field, "reason": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
    return Status(400, {"detail": "not saved", "errors": errors})


def _validation(exc: ValidationError) -> Status[Any]:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "reason": str(m)}
            for field, messages in exc.message_dict.items()
            for m in messages
        ]
    else:
        errors = [{"field": "", "reason": str(m)} for m in exc.messages]
    return Status(400, {"detail": "not saved", "errors": errors})


def _saved(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.pk,
        "owner": instrument.owner.uscc,
        "serial_number": instrument.serial_number,
        "name": instrument.name,
        "unit": instrument.unit,
        "range_min": instrument.range_min,
        "range_max": instrument.range_max,
        "mpe": instrument.mpe,
        "status": instrument.status,
    }


def _save(request: HttpRequest, payload: InstrumentBody, instance: Instrument | None) -> Any:
    user = api_user(request)
    form = InstrumentForm(data=payload.dict(), instance=instance)
    if not form.is_valid():
        return _form_errors(form)
    try:
        instrument = records.save_instrument(user, form.cleaned_data, instance)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        return _validation(exc)
    return Status(201 if instance is None else 200, _saved(instrument))


@router.post("/records/instruments", response={201: InstrumentSaved, **ERRORS})
def create_instrument(request: HttpRequest, payload: InstrumentBody) -> Any:
    """Register an instrument: one's own, a recorded customer's, or an accepted customer's."""
    return _save(request, payload, None)


@router.put("/records/instruments/{pk}", response={200: InstrumentSaved, **ERRORS})
def edit_instrument(request: HttpRequest, pk: Id, payload: InstrumentBody) -> Any:
    """Edit an instrument (not its owner or state: see /records/instrument-states)."""
    user = api_user(request)
    instance = get_object_or_404(Instrument.objects.visible_to(user).select_related("owner"), pk=pk)
    return _save(request, payload, instance)


class StateIn(Schema):
    instrument_ids: list[Id] = Field(min_length=1, max_length=10000)
    state: str = Field(description="one of " + ", ".join(STATES), max_length=20)
    reason: str = Field(max_length=400)
    on: dt.date
    to_owner: str = Field("", max_length=18, description="the receiving owner's USCC")


class StateOut(Schema):
    changed: int


@router.post("/records/instrument-states", response={200: StateOut, **ERRORS})
def instruments_state(request: HttpRequest, payload: StateIn) -> Any:
    """Retire, return to service, scrap, lose or transfer instruments: all or nothing."""
    user = api_user(request)
    try:
        changed = change_state(
            user,
            payload.instrument_ids,
            state=payload.state,
            reason=payload.reason,
            on=payload.on,
            to_owner=payload.to_owner or None,
        )
    except ValidationError as exc:
        return _validation(exc)
    return Status(200, {"changed": changed})


class CustomerIn(Schema):
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18)
    division_code: str = Field(max_length=6)
    address: str = Field("", max_length=400)


class CustomerOut(Schema):
    institution_id: int
    uscc: str
    name: str
    joined: bool
    relation_status: str


@router.post("/records/customers", response={201: CustomerOut, **ERRORS})
def record_customer(request: HttpRequest, payload: CustomerIn) -> Any:
    """A laboratory records a customer: not yet on the platform, or a relation request."""
    user = api_user(request)
    form = CustomerForm(data=payload.dict())
    if not form.is_valid():
        return _form_errors(form)
    try:
        institution, relation = records.record_customer(user, **form.cleaned_data)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        return _validation(exc)
    return Status(
        201,
        {
            "institution_id": institution.pk,
            "uscc": institution.uscc,
            "name": institution.name_zh,
            "joined": institution.joined,
            "relation_status": relation.status,
        },
    )


class JoinIn(CustomerIn):
    kind: str = Field("enterprise", max_length=20)


@router.post("/records/institutions/join", response={201: CustomerOut, **ERRORS})
def join(request: HttpRequest, payload: JoinIn) -> Any:
    """A platform administrator registers an institution joining; a customer a laboratory
    recorded before becomes that institution, with its instruments."""
    user = api_user(request)
    try:
        institution = records.join_institution(
            user,
            uscc=payload.uscc,
            name=payload.name,
            kind=payload.kind,
            division_code=payload.division_code,
            address=payload.address,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        return _validation(exc)
    return Status(
        201,
        {
            "institution_id": institution.pk,
            "uscc": institution.uscc,
            "name": institution.name_zh,
            "joined": True,
            "relation_status": "",
        },
    )


# --- standards (with equipment), reference materials, people -----------------------------


class StandardBody(Schema):
    name: str = Field(max_length=300)
    code: str = Field(max_length=80)
    kind: str = Field(max_length=40)
    quantity: str = Field(max_length=60)
    unit: str = Field(max_length=40)
    range_min: str = Field(max_length=40, description="a number, or with a unit")
    range_max: str = Field(max_length=40, description="a number, or with a unit")
    expanded_uncertainty: str = Field("", max_length=40)
    uncertainty_is_relative: StrictBool = False
    accuracy_class: str = Field("", max_length=40)
    mpe: str = Field("", max_length=40)
    equipment: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=200, description="serial numbers of own instruments"
    )


class MaterialBody(Schema):
    gbw_number: str = Field(max_length=32)
    name: str = Field(max_length=300)
    quantity: str = Field(max_length=60)
    unit: str = Field(max_length=40)
    certified_value: str = Field(max_length=40, description="a number, or with a unit")
    expanded_uncertainty: str = Field(max_length=40, description="a number, or with a unit")
    coverage_factor: float = 2.0
    expiry: dt.date


class PersonBody(Schema):
    name: str = Field(max_length=120)
    registration_number: str = Field(max_length=80)
    level: int = Field(ge=1, le=2)
    registration_scope: list[Annotated[str, Field(max_length=20)]] = Field(max_length=100)
    valid_from: dt.date
    valid_until: dt.date
    roles: list[Literal["verifier", "checker", "approver"]] = Field(default_factory=list)


class SavedOut(Schema):
    id: int
    kind: str


def _form_data(kind: str, payload: Schema) -> dict[str, Any]:
    data = payload.dict()
    if kind == "standards":
        data["equipment"] = "\n".join(data["equipment"])
        if not data["uncertainty_is_relative"]:
            data.pop("uncertainty_is_relative")  # a checkbox: absent is false
    if kind == "people":
        data["registration_scope"] = ", ".join(data["registration_scope"])
    return data


def _save_record(request: HttpRequest, kind: str, payload: Schema, pk: int | None) -> Any:
    from jiliang.registry.edit_views import _kinds

    user = api_user(request)
    form_class, model, save, _detail, _new, _edit = _kinds()[kind]
    instance = None
    if pk is not None:
        instance = get_object_or_404(model.objects.visible_to(user), pk=pk)
    form = form_class(data=_form_data(kind, payload), instance=instance)
    if not form.is_valid():
        return _form_errors(form)
    try:
        saved = save(user, form.cleaned_data, instance)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        return _validation(exc)
    return Status(201 if pk is None else 200, {"id": saved.pk, "kind": kind})


@router.post("/records/standards", response={201: SavedOut, **ERRORS})
def create_standard(request: HttpRequest, payload: StandardBody) -> Any:
    """A measurement standard of the user's institution, with its equipment."""
    return _save_record(request, "standards", payload, None)


@router.put("/records/standards/{pk}", response={200: SavedOut, **ERRORS})
def edit_standard(request: HttpRequest, pk: Id, payload: StandardBody) -> Any:
    return _save_record(request, "standards", payload, pk)


@router.post("/records/materials", response={201: SavedOut, **ERRORS})
def create_material(request: HttpRequest, payload: MaterialBody) -> Any:
    """A certified reference material produced by the user's institution."""
    return _save_record(request, "materials", payload, None)


@router.put("/records/materials/{pk}", response={200: SavedOut, **ERRORS})
def edit_material(request: HttpRequest, pk: Id, payload: MaterialBody) -> Any:
    return _save_record(request, "materials", payload, pk)


@router.post("/records/people", response={201: SavedOut, **ERRORS})
def create_person(request: HttpRequest, payload: PersonBody) -> Any:
    """A registered metrologist of the user's institution, with the registration."""
    return _save_record(request, "people", payload, None)


@router.put("/records/people/{pk}", response={200: SavedOut, **ERRORS})
def edit_person(request: HttpRequest, pk: Id, payload: PersonBody) -> Any:
    return _save_record(request, "people", payload, pk)
