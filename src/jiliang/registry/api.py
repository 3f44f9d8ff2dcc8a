"""REST endpoints of the registry. Every query is scoped with visible_to(request.auth).

No `from __future__ import annotations` here: ninja reads the annotations of a @paginate view
in ninja's own module, where a string such as "Id | None" cannot be resolved.
"""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import IntegerField, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from jiliang.accounts.api_auth import api_user
from jiliang.accounts.audit import history
from jiliang.bounds import Id, IsoDate, Limit, Pagination, form_id
from jiliang.registry import amendments, importers, rules, services, traceability, uploads
from jiliang.registry.models import (
    CatalogueItem,
    Certificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
    VerificationScheme,
)
from jiliang.registry.schemas import (
    AmendmentIn,
    CatalogueOut,
    CertificateOut,
    ChangeOut,
    DueOut,
    ErrorOut,
    ImpactOut,
    ImportOut,
    InstitutionOut,
    InstrumentDetailOut,
    InstrumentIn,
    InstrumentOut,
    MaterialOut,
    PersonOut,
    SchemeOut,
    StandardOut,
    TraceDownOut,
)

router = Router()

# A search or filter text from the query string. PostgreSQL answers a NUL byte in a query
# parameter with an error (a 500), SQLite with nothing: control characters are refused by the
# schema itself (422 naming the parameter, the same on both), and the length is bounded as
# the pages' filter forms bound it.
Text = Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


def _search(qs: QuerySet[Any], q: str, *fields: str) -> QuerySet[Any]:
    if not q:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": q})
    return qs.filter(condition)


@router.get("/institutions", response=list[InstitutionOut], tags=["registry"])
@paginate(Pagination)
def list_institutions(request: HttpRequest, q: Text = "", kind: Text = "") -> QuerySet[Institution]:
    qs = Institution.objects.visible_to(api_user(request, anonymous=True)).prefetch_related(
        "authorisations"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return _search(qs, q, "name_zh", "name_en", "uscc")


@router.get("/institutions/{pk}", response=InstitutionOut, tags=["registry"])
def get_institution(request: HttpRequest, pk: int) -> Institution:
    return get_object_or_404(
        Institution.objects.visible_to(api_user(request, anonymous=True)), pk=pk
    )


@router.get("/people", response=list[PersonOut], tags=["registry"])
@paginate(Pagination)
def list_people(request: HttpRequest, q: Text = "") -> QuerySet[Person]:
    return _search(Person.objects.visible_to(api_user(request)), q, "name", "registration_number")


@router.get("/standards", response=list[StandardOut], tags=["registry"])
@paginate(Pagination)
def list_standards(
    request: HttpRequest, q: Text = "", kind: Text = ""
) -> QuerySet[MeasurementStandard]:
    qs = MeasurementStandard.objects.visible_to(api_user(request, anonymous=True)).select_related(
        "quantity"
    )
    qs = qs.prefetch_related("examination_certificates")
    if kind:
        qs = qs.filter(kind=kind)
    return _search(qs, q, "name", "code")


def _standard(request: HttpRequest, pk: int) -> MeasurementStandard:
    return get_object_or_404(
        MeasurementStandard.objects.visible_to(api_user(request, anonymous=True)), pk=pk
    )


@router.get("/standards/{pk}", response=StandardOut, tags=["registry"])
def get_standard(request: HttpRequest, pk: int) -> MeasurementStandard:
    standard = _standard(request, pk)
    for exam in standard.examination_certificates.all():
        exam.reexamination_reminder = rules.reexamination_reminder(exam.valid_until)  # type: ignore[attr-defined]
    return standard


@router.get("/standards/{pk}/trace-up", tags=["traceability"])
def standard_trace_up(request: HttpRequest, pk: int, on: IsoDate | None = None) -> dict[str, Any]:
    api_user(request)  # the chain names equipment and certificates: signed-in users only
    return traceability.trace_up(_standard(request, pk), on).as_dict()


@router.get("/standards/{pk}/trace-down", response=TraceDownOut, tags=["traceability"])
def standard_trace_down(request: HttpRequest, pk: int, limit: Limit = 100) -> dict[str, Any]:
    user = api_user(request)
    down = traceability.trace_down(_standard(request, pk), user)
    certificate_count, instrument_count = down.page_counts()
    return {
        "standards": down.standards,
        "levels": down.levels,
        "certificate_count": certificate_count.value,
        "instrument_count": instrument_count.value,
        "certificate_count_more": certificate_count.more,
        "instrument_count_more": instrument_count.more,
        "certificates": list(
            down.certificates_newest_first().values_list("number", flat=True)[:limit]
        ),
        "instruments": list(down.instruments_in_order().values_list("id", flat=True)[:limit]),
    }


@router.get("/standards/{pk}/impact", response=ImpactOut, tags=["traceability"])
def standard_impact(request: HttpRequest, pk: int, since: IsoDate) -> dict[str, Any]:
    user = api_user(request)
    standard = _standard(request, pk)
    last_good, rows = traceability.impact(standard, since, user)
    return {
        "standard": standard.code,
        "nonconforming_on": since,
        "last_good_calibration": last_good,
        "certificates": rows,
        "customers": sorted({r.customer for r in rows}),
    }


@router.get("/standards/{pk}/usable", tags=["traceability"])
def standard_usable(request: HttpRequest, pk: int, on: IsoDate | None = None) -> dict[str, Any]:
    """The interlock state: whether the standard may be chosen for new work on a date."""
    problems = services.standard_problems(_standard(request, pk), on or dt.date.today())
    return {"usable": not problems, "problems": problems}


@router.get("/materials", response=list[MaterialOut], tags=["registry"])
@paginate(Pagination)
def list_materials(request: HttpRequest, q: Text = "") -> QuerySet[ReferenceMaterial]:
    return _search(
        ReferenceMaterial.objects.visible_to(api_user(request, anonymous=True)),
        q,
        "gbw_number",
        "name",
    )


@router.get("/catalogue", response=list[CatalogueOut], tags=["registry"])
def list_catalogue(request: HttpRequest) -> QuerySet[CatalogueItem]:
    return CatalogueItem.objects.visible_to(api_user(request, anonymous=True))


@router.get("/schemes", response=list[SchemeOut], tags=["registry"])
def list_schemes(request: HttpRequest) -> QuerySet[VerificationScheme]:
    return VerificationScheme.objects.visible_to(
        api_user(request, anonymous=True)
    ).prefetch_related("levels")


@router.get("/instruments", response=list[InstrumentOut], tags=["registry"])
@paginate(Pagination)
def list_instruments(
    request: HttpRequest, q: Text = "", owner: Id | None = None, region: Text = ""
) -> QuerySet[Instrument]:
    qs = Instrument.objects.visible_to(api_user(request))
    if owner is not None:
        qs = qs.filter(owner_id=owner)
    if region:
        from jiliang.registry.querysets import in_region, region_prefix

        qs = qs.filter(in_region("division_code", region_prefix(region)))
    return _search(qs, q, "name", "serial_number", "maker", "model")


def _instrument(request: HttpRequest, pk: int) -> Instrument:
    return get_object_or_404(
        Instrument.objects.visible_to(api_user(request)).select_related("category"), pk=pk
    )


@router.get("/instruments/{pk}", response=InstrumentDetailOut, tags=["registry"])
def get_instrument(request: HttpRequest, pk: int) -> Instrument:
    instrument = _instrument(request, pk)
    instrument.mandatory_verification = services.mandatory_status(instrument)  # type: ignore[attr-defined]
    instrument.due_date = services.due_date(instrument)  # type: ignore[attr-defined]
    return instrument


@router.post(
    "/instruments", response={201: InstrumentOut, 400: ErrorOut, 403: ErrorOut}, tags=["registry"]
)
def create_instrument(request: HttpRequest, payload: InstrumentIn) -> Status[Any]:
    user = api_user(request)
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "sign in or send a bearer token")
    row = {k: "" if v is None else str(v) for k, v in payload.dict().items()}
    try:
        result = importers.import_rows("instruments", [row], user, file="request")
    except importers.ImportRejected as exc:
        return Status(
            400,
            {
                "detail": "instrument not registered",
                "errors": [{"field": e.field, "reason": e.reason} for e in exc.errors],
            },
        )
    return Status(201, Instrument.objects.get(pk=result.ids[0]))


@router.post(
    "/imports/{kind}",
    response={201: ImportOut, 400: ErrorOut, 401: ErrorOut},
    tags=["registry"],
)
def import_upload(
    request: HttpRequest,
    kind: str,
    file: UploadedFile = File(...),  # noqa: B008 (django-ninja's way to declare an upload)
) -> Status[Any]:
    """Import a .csv or .xlsx file of instruments, standards or certificates, all or nothing.

    400 lists every problem (file, row, field, reason) and nothing is written.
    """
    user = api_user(request)
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "sign in or send a bearer token")
    try:
        result = uploads.import_upload(kind, file, user)
    except importers.ImportRejected as exc:
        errors = [
            {"file": e.file, "row": e.row, "field": e.field, "reason": e.reason} for e in exc.errors
        ]
        return Status(400, {"detail": "nothing was imported", "errors": errors})
    return Status(201, {"kind": result.kind, "created": result.created, "ids": result.ids})


@router.get("/instruments/{pk}/trace-up", tags=["traceability"])
def instrument_trace_up(request: HttpRequest, pk: int, on: IsoDate | None = None) -> dict[str, Any]:
    return traceability.trace_up(_instrument(request, pk), on).as_dict()


@router.get("/certificates", response=list[CertificateOut], tags=["registry"])
@paginate(Pagination)
def list_certificates(request: HttpRequest, q: Text = "") -> list[dict[str, Any]]:
    qs = _search(Certificate.objects.visible_to(api_user(request)), q, "number", "regulation")
    return qs.prefetch_related("standards_used", "materials_used", "dcc_signature")  # type: ignore[return-value]


@router.get("/certificates/{pk}", response=CertificateOut, tags=["registry"])
def get_certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(Certificate.objects.visible_to(api_user(request)), pk=pk)


@router.post(
    "/certificates/{pk}/amendments",
    response={201: CertificateOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["registry"],
)
def amend_certificate(request: HttpRequest, pk: Id, payload: AmendmentIn) -> Status[Any]:
    """Issue a certificate that amends (更正) or substitutes (替代) this one.

    404 when the certificate is not visible, 403 when the user may not amend it, 400 naming
    the field for bad input (nothing is written then).
    """
    user = api_user(request)
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "sign in or send a bearer token")
    original = get_object_or_404(
        Certificate.objects.visible_to(user).select_related(
            "instrument", "verifier", "checker", "approver"
        ),
        pk=pk,
    )
    given = payload.dict(include=payload.model_fields_set)
    changes = {k: given[k] for k in amendments.CORRECTABLE if k in given}
    if "accuracy_class" in changes and changes["accuracy_class"] is None:
        changes["accuracy_class"] = ""
    people = Person.objects.visible_to(user)
    signatories = {
        role: amendments.resolve_signatory(original, role, given[role], people)
        for role in amendments.SIGNATORY_ROLES
        if role in given
    }
    try:
        new = amendments.issue_amendment(
            original,
            user,
            number=payload.number,
            amendment=payload.amendment,
            changes=changes,
            signatories=signatories,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "not allowed") from None
    return Status(201, new)


@router.get("/due", response=list[DueOut], tags=["traceability"])
def due(
    request: HttpRequest, owner: Id | None = None, region: Text = "", today: IsoDate | None = None
) -> list[Any]:
    qs = Instrument.objects.visible_to(api_user(request))
    return services.due_list(qs, today=today, owner_id=owner, region=region or None)


@router.get("/changes/{model}/{object_id}", response=list[ChangeOut], tags=["audit"])
def changes(request: HttpRequest, model: str, object_id: str) -> list[dict[str, Any]]:
    from django.apps import apps

    user = api_user(request)  # 401 before any 404 about the model

    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        raise HttpError(404, f"unknown model {model!r}") from None
    if not hasattr(model_class.objects, "visible_to"):
        raise HttpError(404, f"unknown model {model!r}")
    key = model_class._meta.pk
    try:  # "abc" or 2**63 for an integer key: 422 naming the field, not a driver error
        if isinstance(key, IntegerField):
            form_id(object_id, "object_id")
        elif key is not None:
            key.to_python(object_id)
    except ValidationError:
        raise HttpError(422, f"object_id: {object_id[:40]!r} is not an id of {model}") from None
    get_object_or_404(model_class.objects.visible_to(user), pk=object_id)
    return [
        {
            "time": change.time,
            "user": change.user.username if change.user else None,
            "action": change.action,
            "before": change.before,
            "after": change.after,
            "source": change.source,
        }
        for change in history(model_class._meta.label_lower, object_id)
    ]


def validation_error_body(exc: ValidationError) -> dict[str, Any]:
    if hasattr(exc, "message_dict"):
        errors = [{"field": f, "reason": m} for f, msgs in exc.message_dict.items() for m in msgs]
    else:
        errors = [{"field": "", "reason": m} for m in exc.messages]
    return {"detail": "invalid input", "errors": errors}
