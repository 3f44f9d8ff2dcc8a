"""Procedure files as records: the shipped ones loaded, a laboratory's own validated, each parsed once.

Why a module of its own: every step of a job reads its procedure through `parsed`.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from jiliang import procedures
from jiliang.calibration.models import ProcedureRecord


def _record_fields(procedure: procedures.Procedure, text: str, origin: str) -> dict[str, Any]:
    return {
        "kind": procedure.kind,
        "title_zh": procedure.title.zh,
        "title_en": procedure.title.en,
        "quantity": procedure.quantity,
        "accuracy_classes": list(procedure.accuracy_classes),
        "source_text": text,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "origin": origin,
    }


@transaction.atomic
def load_builtin_procedures() -> int:
    """Load the procedure files shipped under jiliang/data/procedures; idempotent."""
    folder = resources.files("jiliang.data").joinpath("procedures")
    count = 0
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        text = entry.read_text(encoding="utf-8")
        procedure = procedures.parse_procedure_text(text, entry.name)
        ProcedureRecord.objects.update_or_create(
            code=procedure.code,
            institution=None,
            defaults=_record_fields(procedure, text, entry.name),
        )
        count += 1
    return count


def add_procedure(user: Any, text: str, origin: str) -> ProcedureRecord:
    """A lab's own procedure, validated by jiliang.procedures; the same code replaces the lab's
    earlier version unless a job already uses it."""
    if user is None or not user.is_authenticated or user.role != "lab" or not user.institution_id:
        raise PermissionDenied("only laboratory staff may add procedures")
    try:
        procedure = procedures.parse_procedure_text(text, origin)
    except procedures.ProcedureError as exc:
        raise ValidationError({exc.path or "file": f"{exc.origin}: {exc.reason}"}) from None
    except ValueError as exc:
        # PyYAML's safe_load raises a bare ValueError for an impossible date (2026-02-30)
        raise ValidationError({"file": f"{origin}: YAML value error: {exc}"}) from None
    if ProcedureRecord.objects.filter(code=procedure.code, institution=None).exists():
        raise ValidationError(
            {"code": f"{procedure.code} is a shipped procedure; give your version its own code"}
        )
    existing = ProcedureRecord.objects.filter(
        code=procedure.code, institution_id=user.institution_id
    ).first()
    if existing is not None and existing.jobs.exists():
        raise ValidationError(
            {"code": f"{procedure.code} is used by jobs; give the new edition its own code"}
        )
    record, _ = ProcedureRecord.objects.update_or_create(
        code=procedure.code,
        institution_id=user.institution_id,
        defaults=_record_fields(procedure, text, origin),
    )
    return record


def procedures_for(user: Any) -> QuerySet[ProcedureRecord]:
    """Shipped procedures plus the user's institution's own."""
    qs = ProcedureRecord.objects.filter(institution__isnull=True)
    if user is not None and user.is_authenticated and user.institution_id:
        qs = qs | ProcedureRecord.objects.filter(institution_id=user.institution_id)
    return qs.order_by("code", "id")


def parsed(record: ProcedureRecord) -> procedures.Procedure:
    return _parse_cached(record.sha256, record.source_text, record.origin)


_CACHE: dict[str, procedures.Procedure] = {}


def _parse_cached(sha: str, text: str, origin: str) -> procedures.Procedure:
    if sha not in _CACHE:
        _CACHE[sha] = procedures.parse_procedure_text(text, origin)
    return _CACHE[sha]
