"""REST endpoints of the calibration app (mounted at /api/calibration).

Thin handlers: every rule is in services.py; every query is scoped by the user; refusals are
403 with a reason, bad input 400 with field + reason, unknown or invisible objects 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import Id, IsoDate
from jiliang.calibration import keys, services, uploads
from jiliang.calibration.models import Job, Recall, RecallItem
from jiliang.openapi import file_response
from jiliang.registry.models import Institution, Instrument, MeasurementStandard

router = Router(tags=["calibration"])


def _guard[T](fn: Callable[[], T]) -> T:
    try:
        return fn()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "not allowed") from None


class JobIn(Schema):
    instrument_id: Id
    receipt_number: str
    received_on: IsoDate
    procedure_code: str
    accuracy_class: str
    parameters: dict[str, str]
    condition: str = ""
    in_service: bool = False
    statement_requested: bool = False
    decision_rule: str = ""
    guard_band_factor: float = 1.0
    english: bool = False


class StandardsIn(Schema):
    standard_ids: list[Id]


class ConditionsIn(Schema):
    work_date: IsoDate
    place: str
    environment: dict[str, str | float]


class ObservationsIn(Schema):
    rows: list[dict[str, Any]]


class RejectIn(Schema):
    reason: str


class ReturnIn(Schema):
    returned_on: IsoDate
    returned_to: str
    method: str = Field(description="handed_over or shipped")
    tracking: str = Field("", description="the carrier's tracking number, required when shipped")
    reason: str = Field("", description="required when the job is not issued")


class NumberingIn(Schema):
    institution_code: str
    pattern: str


class RecallIn(Schema):
    standard_id: Id
    since: IsoDate
    reason: str = ""


class RecallItemIn(Schema):
    notified_on: IsoDate | None = None
    method: str = ""
    new_certificate_number: str = ""
    waived_reason: str = ""


def job_json(job: Job, user: Any) -> dict[str, Any]:
    staff = services.is_lab_staff(user, job.lab_id)
    data: dict[str, Any] = {
        "id": job.pk,
        "receipt_number": job.receipt_number,
        "status": job.status,
        "lab": job.lab.name_zh,
        "instrument": {
            "id": job.instrument_id,
            "name": job.instrument.name,
            "serial_number": job.instrument.serial_number,
        },
        "customer": job.instrument.owner.name_zh,
        "procedure": job.procedure.code,
        "accuracy_class": job.accuracy_class,
        "parameters": job.parameters,
        "received_on": job.received_on.isoformat(),
        "work_date": job.work_date.isoformat() if job.work_date else None,
        "place": job.place,
        "environment": job.environment,
        "decision_rule": services.rule_text(job)[1],
        "standards": [s.code for s in job.standards.all()],
        "certificate": job.certificate.number if job.certificate else None,
        "returned": {
            "on": job.returned_on.isoformat(),
            "to": job.returned_to,
            "method": job.return_method,
            "tracking": job.return_tracking,
            "reason": job.return_reason,
        }
        if job.returned_on
        else None,
        "observations": [
            {
                "point": o.label,
                "state": o.state,
                "inputs": o.inputs,
                "error": o.error,
                "expanded_uncertainty": o.expanded_uncertainty,
                "coverage_factor": o.coverage_factor,
                "unit": o.unit,
                "mpe": o.mpe,
                "statement": o.statement,  # pass, fail, …, or undecided (JJF 1094 待定)
                "statement_label": o.statement_label,
                "guard_band": o.guard_band,
                "risk": o.risk,
            }
            for o in job.observations.all()
        ],
        "signatures": [
            {
                "step": e.step,
                "action": e.action,
                "person": e.person.name,
                "at": e.at.isoformat(),
                "round": e.round,
                "reason": e.reason,
            }
            for e in job.signatures.select_related("person").order_by("at", "id")
        ],
    }
    if staff and job.status == Job.Status.DRAFT and not job.returned:
        data["inputs"] = [s.name for s in services.required_inputs(job)]
        data["test_points"] = [p.label for p in services.test_points(job)]
        data["candidate_standards"] = [
            {
                "id": c.standard.pk,
                "code": c.standard.code,
                "usable": c.usable,
                "problems": c.problems,
            }
            for c in services.candidate_standards(job)
        ]
        data["missing"] = services.readiness_problems(job)
    return data


def _job(request: HttpRequest, job_id: int) -> Job:
    return get_object_or_404(services.jobs_visible_to(api_user(request)), pk=job_id)


@router.get("/procedures")
def list_procedures(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "code": p.code,
            "kind": p.kind,
            "title": p.title_zh,
            "quantity": p.quantity,
            "accuracy_classes": p.accuracy_classes,
            "own": p.institution_id is not None,
        }
        for p in services.procedures_for(api_user(request, anonymous=True))
    ]


@router.post("/procedures", response={201: dict[str, Any]})
def upload_procedure(request: HttpRequest, file: UploadedFile = File(...)) -> Status[Any]:  # noqa: B008
    text, name = uploads.procedure_text(file)  # bounded: bounds.MAX_PROCEDURE_BYTES
    record = _guard(lambda: services.add_procedure(api_user(request), text, name))
    return Status(201, {"id": record.pk, "code": record.code})


@router.get("/jobs")
def list_jobs(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    qs = services.jobs_visible_to(api_user(request)).select_related("instrument", "procedure")
    if status:
        qs = qs.filter(status=status)
    return [
        {
            "id": j.pk,
            "receipt_number": j.receipt_number,
            "status": j.status,
            "instrument": str(j.instrument),
            "procedure": j.procedure.code,
            "certificate": j.certificate.number if j.certificate else None,
        }
        for j in qs[:500]
    ]


@router.post("/jobs", response={201: dict[str, Any]})
def create_job(request: HttpRequest, payload: JobIn) -> Status[Any]:
    user = api_user(request)
    instrument = get_object_or_404(Instrument.objects.visible_to(user), pk=payload.instrument_id)
    procedure = (
        services.procedures_for(user).filter(code=payload.procedure_code).order_by("-id").first()
    )
    if procedure is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"procedure_code": f"no procedure {payload.procedure_code!r}"})
    job = _guard(
        lambda: services.create_job(
            user,
            instrument=instrument,
            receipt_number=payload.receipt_number,
            received_on=payload.received_on,
            procedure=procedure,
            accuracy_class=payload.accuracy_class,
            parameters=payload.parameters,
            condition=payload.condition,
            in_service=payload.in_service,
            statement_requested=payload.statement_requested,
            decision_rule=payload.decision_rule,
            guard_band_factor=payload.guard_band_factor,
            english=payload.english,
        )
    )
    return Status(201, job_json(job, user))


@router.get("/jobs/{job_id}")
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_json(_job(request, job_id), api_user(request))


@router.put("/jobs/{job_id}/standards")
def put_standards(request: HttpRequest, job_id: int, payload: StandardsIn) -> dict[str, Any]:
    job = _job(request, job_id)
    _guard(lambda: services.set_standards(job, api_user(request), payload.standard_ids))
    return job_json(job, api_user(request))


@router.put("/jobs/{job_id}/conditions")
def put_conditions(request: HttpRequest, job_id: int, payload: ConditionsIn) -> dict[str, Any]:
    job = _job(request, job_id)
    _guard(
        lambda: services.set_conditions(
            job,
            api_user(request),
            work_date=payload.work_date,
            place=payload.place,
            environment=payload.environment,
        )
    )
    return job_json(job, api_user(request))


@router.post("/jobs/{job_id}/observations")
def post_observations(request: HttpRequest, job_id: int, payload: ObservationsIn) -> dict[str, Any]:
    job = _job(request, job_id)
    _guard(lambda: services.record_observations(job, api_user(request), payload.rows))
    return job_json(job, api_user(request))


@router.post("/jobs/{job_id}/observations/upload")
def upload_observations(
    request: HttpRequest,
    job_id: int,
    file: UploadedFile = File(...),  # noqa: B008
) -> dict[str, Any]:
    job = _job(request, job_id)
    user = api_user(request)
    _guard(lambda: services.require_lab_staff(user, job.lab_id))
    rows = uploads.observation_rows(file)  # bounded: bounds.MAX_OBSERVATIONS_BYTES
    _guard(lambda: services.record_observations(job, user, rows))
    return job_json(job, user)


@router.post("/jobs/{job_id}/sign")
def sign_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    job = _job(request, job_id)
    _guard(lambda: services.sign(job, api_user(request)))
    job.refresh_from_db()
    return job_json(job, api_user(request))


@router.post("/jobs/{job_id}/reject")
def reject_job(request: HttpRequest, job_id: int, payload: RejectIn) -> dict[str, Any]:
    job = _job(request, job_id)
    _guard(lambda: services.reject(job, api_user(request), payload.reason))
    job.refresh_from_db()
    return job_json(job, api_user(request))


@router.post("/jobs/{job_id}/return")
def return_job(request: HttpRequest, job_id: int, payload: ReturnIn) -> dict[str, Any]:
    """Record the instrument's return to its owner (after issue, or with a reason)."""
    job = _job(request, job_id)
    user = api_user(request)
    job = _guard(
        lambda: services.return_job(
            job,
            user,
            returned_on=payload.returned_on,
            returned_to=payload.returned_to,
            method=payload.method,
            tracking=payload.tracking,
            reason=payload.reason,
        )
    )
    return job_json(job, user)


_CONTENT = {"pdf": "application/pdf", "dcc": "application/xml"}


@router.get(
    "/certificates/{number}/{fmt}",
    openapi_extra=file_response("application/pdf", "application/xml", "application/json"),
)
def download(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """fmt: pdf, dcc, pdf.sig or dcc.sig."""
    base, _, sig = fmt.partition(".")
    if base not in _CONTENT or sig not in ("", "sig"):
        raise HttpError(404, "format is pdf, dcc, pdf.sig or dcc.sig")
    certificate = services.certificates_visible_to(api_user(request)).filter(number=number).first()
    if certificate is None:
        raise HttpError(404, f"no certificate {number} visible to you")
    doc = services.document(certificate, base)
    ext = "xml" if base == "dcc" else "pdf"
    if sig:
        response = HttpResponse(doc.signature, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{number}.{ext}.sig"'
        return response
    response = HttpResponse(bytes(doc.content), content_type=_CONTENT[base])
    response["Content-Disposition"] = f'attachment; filename="{number}.{ext}"'
    return response


@router.post("/dcc/import", response={201: dict[str, Any]})
def import_dcc(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    instrument_id: int | None = Form(None),
) -> Status[Any]:
    data, name = uploads.dcc_bytes(file)  # bounded: bounds.MAX_DCC_BYTES
    cert = _guard(lambda: services.import_dcc(api_user(request), data, name, instrument_id))
    return Status(
        201,
        {
            "number": cert.number,
            "external_issuer": cert.external_issuer,
            "instrument_id": cert.instrument_id,
            "sha256": cert.external_document_sha256,
            "xml_signature": {  # the DCC's XML-DSig as checked on import
                "state": cert.dcc_signature.state,
                "signer_subject": cert.dcc_signature.signer_subject,
                "key_fingerprint": cert.dcc_signature.key_fingerprint,
                "reason": cert.dcc_signature.reason,
            },
        },
    )


@router.get("/keys", auth=None)
def list_keys(request: HttpRequest) -> list[dict[str, Any]]:
    """Public keys of the institutions that sign certificates (no login needed)."""
    out = []
    for inst in Institution.objects.order_by("id"):
        if keys.has_key(inst.pk):
            out.append(
                {
                    "institution_id": inst.pk,
                    "institution": inst.name_zh,
                    "key_id": keys.public_key_id(inst.pk),
                    "pem": keys.public_key_pem(inst.pk).decode("ascii"),
                }
            )
    return out


@router.get(
    "/keys/{institution_id}.pem", auth=None, openapi_extra=file_response("application/x-pem-file")
)
def get_key(request: HttpRequest, institution_id: int) -> HttpResponse:
    if not keys.has_key(institution_id):
        raise HttpError(404, "this institution has not signed any certificate yet")
    response = HttpResponse(
        keys.public_key_pem(institution_id), content_type="application/x-pem-file"
    )
    response["Content-Disposition"] = f'attachment; filename="institution-{institution_id}.pem"'
    return response


@router.put("/numbering")
def put_numbering(request: HttpRequest, payload: NumberingIn) -> dict[str, Any]:
    """The lab's certificate number pattern, e.g. "{institution_code}-{year}-{seq:06d}"."""
    user = api_user(request)
    _guard(lambda: services.configure_numbering(user, payload.institution_code, payload.pattern))
    return {"institution_code": payload.institution_code, "pattern": payload.pattern}


def recall_json(recall: Recall) -> dict[str, Any]:
    return {
        "id": recall.pk,
        "standard": recall.standard.code,
        "nonconforming_since": recall.nonconforming_since.isoformat(),
        "last_good": recall.last_good.isoformat() if recall.last_good else None,
        "open": recall.is_open,
        "items": [
            {
                "id": i.pk,
                "certificate": i.certificate.number,
                "customer": i.customer.name_zh,
                "notified_on": i.notified_on.isoformat() if i.notified_on else None,
                "method": i.method,
                "new_certificate": i.new_certificate.number if i.new_certificate else None,
                "waived_reason": i.waived_reason,
                "resolved": i.resolved,
            }
            for i in recall.items.select_related("certificate", "customer", "new_certificate")
        ],
    }


@router.get("/recalls")
def list_recalls(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not user.is_authenticated or user.role not in ("lab", "regulator", "admin"):
        return []
    return [recall_json(r) for r in Recall.objects.visible_to(user)]


@router.post("/recalls", response={201: dict[str, Any]})
def create_recall(request: HttpRequest, payload: RecallIn) -> Status[Any]:
    user = api_user(request)
    standard = get_object_or_404(MeasurementStandard, pk=payload.standard_id)
    recall = _guard(lambda: services.open_recall(user, standard, payload.since, payload.reason))
    return Status(201, recall_json(recall))


@router.get("/recalls/{recall_id}")
def get_recall(request: HttpRequest, recall_id: int) -> dict[str, Any]:
    return recall_json(
        get_object_or_404(Recall.objects.visible_to(api_user(request)), pk=recall_id)
    )


@router.patch("/recalls/items/{item_id}")
def patch_recall_item(request: HttpRequest, item_id: int, payload: RecallItemIn) -> dict[str, Any]:
    user = api_user(request)
    item = get_object_or_404(RecallItem.objects.visible_to(user), pk=item_id)
    _guard(
        lambda: services.update_recall_item(
            item,
            user,
            notified_on=payload.notified_on,
            method=payload.method,
            new_certificate_number=payload.new_certificate_number,
            waived_reason=payload.waived_reason,
        )
    )
    return recall_json(item.recall)


@router.post("/recalls/{recall_id}/close")
def close_recall(request: HttpRequest, recall_id: int) -> dict[str, Any]:
    user = api_user(request)
    recall = get_object_or_404(Recall.objects.visible_to(user), pk=recall_id)
    _guard(lambda: services.close_recall(recall, user))
    return recall_json(recall)
