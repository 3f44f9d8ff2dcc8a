"""The one workflow engine: every kind of application (kinds.yaml) runs through it.

Every write path (pages, API, demo) calls these functions; each checks who acts (the
applicant's institution, or the authority: a regulator of the right level and region), the
state, and the kind's steps, and raises ServiceError(field, reason) changing nothing.
Decisions are signed and appended to the transparency log (signing.py); an approval
writes into the registry at once (grants.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.registry import write_rules
from jiliang.registry.models import Authorisation, Institution, MeasurementStandard, Person
from jiliang.registry.querysets import is_admin
from jiliang.registry.services import NEEDS_EXAMINATION
from jiliang.services import kinds
from jiliang.services.grants import GrantRefused, grant
from jiliang.services.models import Application, Event, Material
from jiliang.services.signing import sign_and_log

MAX_MATERIAL_BYTES = 10 * 1024 * 1024  # one document of an application
MAX_MATERIALS = 30
MAX_ITEMS = 30  # lines of one correction list
# File types accepted for materials, by suffix, each with the magic bytes it must start with.
MATERIAL_TYPES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".ofd": (b"PK\x03\x04", "application/ofd"),
    ".docx": (
        b"PK\x03\x04",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


class ServiceError(Exception):
    """Refused: which field and why; nothing was written."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    """A material as received: its kind of document, file name and bytes."""

    key: str
    filename: str
    content: bytes


# --- who may act ---------------------------------------------------------------------------


def authority_for(level: str, applicant: Institution) -> Institution:
    """The regulator that handles a kind for an applicant: of the applicant's city (XXXX00)
    for level `city`, else of its province (XX0000); a city kind falls back to the province
    where the city has no regulator on the platform."""
    code = applicant.division_code
    wanted = [f"{code[:4]}00", f"{code[:2]}0000"] if level == "city" else [f"{code[:2]}0000"]
    for division in wanted:
        found = (
            Institution.objects.filter(kind=Institution.Kind.REGULATOR, division_code=division)
            .order_by("id")
            .first()
        )
        if found is not None:
            return found
    raise ServiceError("authority", _("本地区没有受理该事项的市场监管部门"))


def is_authority(user: Any, application: Application) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "institution_id", None) == application.authority_id
    )


def is_applicant(user: Any, application: Application) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "institution_id", None) == application.applicant_id
    )


def _require_authority(user: Any, application: Application) -> None:
    if not is_authority(user, application):
        raise ServiceError("user", _("只有受理机关可以办理此步骤"))


def _require_state(application: Application, *states: str) -> None:
    if application.state not in states:
        raise ServiceError(
            "state",
            _("当前状态（%(state)s）不能办理此步骤") % {"state": application.get_state_display()},
        )


# --- materials -----------------------------------------------------------------------------


def check_upload(kind: kinds.Kind, upload: Upload) -> tuple[str, str]:
    """Bounded, typed upload: (content type, reason) with reason '' when acceptable."""
    keys = {m.key for m in kind.materials}
    name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if upload.key not in keys:
        return "", _("%(key)s 不是该事项的申请材料") % {"key": upload.key}
    problem = write_rules.text_problem(name, 160)
    if problem or not name:
        return "", _("文件名不合格：%(name)s") % {"name": name or "—"}
    if len(upload.content) > MAX_MATERIAL_BYTES:
        return "", _("%(name)s 超过 %(limit)s 字节的上限") % {
            "name": name,
            "limit": f"{MAX_MATERIAL_BYTES:,}",
        }
    if not upload.content:
        return "", _("%(name)s 是空文件") % {"name": name}
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in MATERIAL_TYPES:
        return "", _("%(name)s：只接受 PDF、OFD、JPG、PNG、DOCX、XLSX 文件") % {"name": name}
    magic, content_type = MATERIAL_TYPES[suffix]
    if not upload.content.startswith(magic):
        return "", _("%(name)s 的内容与其文件类型不符") % {"name": name}
    return content_type, ""


def _store(application: Application, uploads: Sequence[Upload], user: Any, on: dt.date) -> None:
    kind = kinds.kind(application.kind)
    if application.materials.count() + len(uploads) > MAX_MATERIALS:
        raise ServiceError("materials", _("材料数量超过上限 %(n)s") % {"n": MAX_MATERIALS})
    rows = []
    for upload in uploads:
        content_type, reason = check_upload(kind, upload)
        if reason:
            raise ServiceError(f"materials.{upload.key}", reason)
        rows.append(
            Material(
                application=application,
                key=upload.key,
                filename=upload.filename.rsplit("/", 1)[-1],
                content_type=content_type,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
                uploaded_on=on,
                uploaded_by=user,
            )
        )
    Material.objects.bulk_create(rows)


# --- the subject of each kind --------------------------------------------------------------


def _subject(
    kind: kinds.Kind, applicant: Institution, data: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Check the kind's subject fields; (title, subject JSON)."""
    if kind.subject == "standard":
        try:
            standard = MeasurementStandard.objects.get(pk=int(data.get("standard_id") or 0))
        except (MeasurementStandard.DoesNotExist, ValueError, TypeError):
            raise ServiceError("standard_id", _("请选择本单位的计量标准")) from None
        if standard.institution_id != applicant.pk:
            raise ServiceError("standard_id", _("只能为本单位的计量标准申请考核"))
        if standard.kind not in NEEDS_EXAMINATION:
            raise ServiceError("standard_id", _("计量基准不经计量标准考核"))
        return f"{standard.code} {standard.name}"[:160], {
            "standard_id": standard.pk,
            "standard": standard.code,
        }
    if kind.subject == "authorisation":
        form = str(data.get("form", ""))
        if form not in Authorisation.Form.values:
            raise ServiceError("form", _("请选择授权形式（计量法实施细则第二十七条）"))
        scope = str(data.get("scope", "")).strip()
        problem = write_rules.text_problem(scope, 2000)
        if not scope or problem:
            raise ServiceError("scope", problem or _("请填写授权项目范围"))
        return f"{Authorisation.Form(form).label}"[:160], {"form": form, "scope": scope}
    if kind.subject == "person":
        name = str(data.get("name", "")).strip()
        problem = write_rules.text_problem(name, 60)
        if not name or problem:
            raise ServiceError("name", problem or _("请填写姓名"))
        try:
            level = int(data.get("level") or 0)
        except (TypeError, ValueError):
            level = 0
        if level not in (1, 2):
            raise ServiceError("level", _("级别为一级或二级"))
        scope = [
            s.strip() for s in str(data.get("scope", "")).replace("，", ",").split(",") if s.strip()
        ]
        if not scope or any(write_rules.text_problem(s, 40) for s in scope):
            raise ServiceError("scope", _("请填写注册项目（量或目录编号，逗号分隔）"))
        return name, {"name": name, "level": level, "scope": scope[:50], "roles": ["verifier"]}
    if kind.subject == "person_renewal":
        try:
            person = Person.objects.get(pk=int(data.get("person_id") or 0))
        except (Person.DoesNotExist, ValueError, TypeError):
            raise ServiceError("person_id", _("请选择本单位的注册计量师")) from None
        if person.institution_id != applicant.pk:
            raise ServiceError("person_id", _("请选择本单位的注册计量师"))
        return f"{person.name} {person.registration_number}", {
            "person_id": person.pk,
            "registration_number": person.registration_number,
        }
    if kind.subject == "pattern":
        name = str(data.get("instrument_name", "")).strip()
        model = str(data.get("model", "")).strip()
        for field, value, limit in (("instrument_name", name, 120), ("model", model, 80)):
            problem = write_rules.text_problem(value, limit)
            if not value or problem:
                raise ServiceError(field, problem or _("必填"))
        from jiliang.registry.models import CatalogueItem

        number = str(data.get("category", "")).strip()
        item = CatalogueItem.objects.filter(number=number).first()
        if item is None or item.supervision not in ("P", "P+V"):
            raise ServiceError("category", _("型式批准只适用于目录中监管方式含 P 的计量器具"))
        return f"{name} {model}"[:160], {
            "instrument_name": name,
            "model": model,
            "category": item.number,
        }
    raise ServiceError("kind", _("该事项不通过申请流程办理"))


# --- steps ---------------------------------------------------------------------------------


def _event(application: Application, action: str, user: Any, on: dt.date, **kw: Any) -> Event:
    event = Event(application=application, action=action, actor=user, on=on, **kw)
    event.save()
    return event


def _next_number(on: dt.date) -> str:
    prefix = f"SQ{on:%Y%m%d}"
    count = Application.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def submit(
    user: Any,
    kind_key: str,
    data: dict[str, Any],
    uploads: Sequence[Upload],
    on: dt.date,
) -> Application:
    """An applicant applies: subject checked, every required material attached."""
    if kind_key not in kinds.APPLICATION_KINDS:
        raise ServiceError("kind", _("未知的申请事项"))
    kind = kinds.kind(kind_key)
    if user is None or not user.is_authenticated or user.institution_id is None:
        raise ServiceError("user", _("请以申请单位的账号登录"))
    applicant = user.institution
    if applicant.kind == Institution.Kind.REGULATOR:
        raise ServiceError("user", _("市场监管部门不能作为申请人"))
    title, subject = _subject(kind, applicant, data)
    given = {u.key for u in uploads}
    missing = [m.name for m in kind.required_materials if m.key not in given]
    if missing:
        raise ServiceError("materials", _("缺少申请材料：%(list)s") % {"list": "、".join(missing)})
    authority = authority_for(kind.authority_level, applicant)
    with transaction.atomic():
        application = Application.objects.create(
            number=_next_number(on),
            kind=kind_key,
            applicant=applicant,
            authority=authority,
            created_by=user,
            title=title,
            subject=subject,
            submitted_on=on,
        )
        _store(application, uploads, user, on)
        _event(application, "submit", user, on)
    return application


def _decision(
    application: Application, action: str, user: Any, on: dt.date, note: str, **body: Any
) -> Event:
    signed, index = sign_and_log(application, action, on, {"note": note, **body})
    return _event(
        application,
        action,
        user,
        on,
        note=note,
        signed_note=signed,
        log_index=index,
        items=list(body.get("items", [])),
    )


def _note(text: str, field: str = "note", required: bool = False) -> str:
    text = (text or "").strip()
    problem = write_rules.text_problem(text, 2000)
    if problem:
        raise ServiceError(field, problem)
    if required and not text:
        raise ServiceError(field, _("请写明理由"))
    return text


def request_correction(
    user: Any, application: Application, items: Sequence[str], on: dt.date
) -> None:
    """补正: asked once, with the full list; the clock stops until the applicant resubmits."""
    _require_authority(user, application)
    _require_state(application, "submitted", "accepted")
    if application.events.filter(action="correct").exists():
        raise ServiceError("items", _("补正只能一次性告知，本案已经要求过补正"))
    lines = [_note(i, "items") for i in items if i and i.strip()]
    if not lines:
        raise ServiceError("items", _("请列出需要补正的全部内容"))
    if len(lines) > MAX_ITEMS:
        raise ServiceError("items", _("补正事项最多 %(n)s 条") % {"n": MAX_ITEMS})
    with transaction.atomic():
        _decision(application, "correct", user, on, "", items=lines)
        application.state = Application.State.CORRECTION
        application.save(update_fields=["state"])


def resubmit(
    user: Any, application: Application, uploads: Sequence[Upload], note: str, on: dt.date
) -> None:
    """The applicant answers the correction list; the case returns where it was."""
    if not is_applicant(user, application):
        raise ServiceError("user", _("只有申请单位可以提交补正材料"))
    _require_state(application, "correction")
    if not uploads and not note.strip():
        raise ServiceError("materials", _("请上传补正材料或说明"))
    with transaction.atomic():
        _store(application, uploads, user, on)
        _event(application, "resubmit", user, on, note=_note(note))
        application.state = (
            Application.State.ACCEPTED if application.accepted_on else Application.State.SUBMITTED
        )
        application.save(update_fields=["state"])


def accept(user: Any, application: Application, on: dt.date) -> None:
    """受理: the clock starts (the day itself is not counted)."""
    _require_authority(user, application)
    _require_state(application, "submitted")
    with transaction.atomic():
        _decision(application, "accept", user, on, "")
        application.state = Application.State.ACCEPTED
        application.accepted_on = on
        application.save(update_fields=["state", "accepted_on"])


def refuse(user: Any, application: Application, reason: str, on: dt.date) -> None:
    """不予受理, with reasons."""
    _require_authority(user, application)
    _require_state(application, "submitted")
    text = _note(reason, "reason", required=True)
    with transaction.atomic():
        _decision(application, "refuse", user, on, text)
        application.state = Application.State.REFUSED
        application.decided_on = on
        application.save(update_fields=["state", "decided_on"])


def assign(user: Any, application: Application, examiners: Sequence[str], on: dt.date) -> None:
    """Examiners (考评员) or the type-evaluation institution are assigned."""
    _require_authority(user, application)
    _require_state(application, "accepted")
    if not kinds.kind(application.kind).has("assign"):
        raise ServiceError("examiners", _("该事项没有技术评审步骤"))
    names = [_note(n, "examiners") for n in examiners if n and n.strip()]
    if not names:
        raise ServiceError("examiners", _("请指定考评员"))
    with transaction.atomic():
        _event(application, "assign", user, on, items=names[:20])
        application.state = Application.State.EVALUATION
        application.examiners = names[:20]
        application.save(update_fields=["state", "examiners"])


def record_result(
    user: Any, application: Application, passed: bool, note: str, on: dt.date
) -> None:
    """The technical result (考核/型式评价 conclusion) is recorded; the clock resumes."""
    _require_authority(user, application)
    _require_state(application, "evaluation")
    with transaction.atomic():
        _event(
            application, "result", user, on, note=_note(note), items=["pass" if passed else "fail"]
        )
        application.state = Application.State.REVIEW
        application.save(update_fields=["state"])


def decide(user: Any, application: Application, approve: bool, reason: str, on: dt.date) -> None:
    """批准 or 不予批准. An approval writes into the registry in the same transaction."""
    _require_authority(user, application)
    kind = kinds.kind(application.kind)
    ready = ("review",) if kind.has("assign") else ("accepted",)
    _require_state(application, *ready)
    text = _note(reason, "reason", required=not approve)
    if approve and kind.has("result"):
        last = application.events.filter(action="result").order_by("-id").first()
        if last is None or last.items != ["pass"]:
            raise ServiceError("approve", _("技术评审结论不合格，不能批准"))
    with transaction.atomic():
        granted = ""
        if approve:
            try:
                granted = grant(kind, application, on)
            except GrantRefused as exc:
                raise ServiceError(exc.field, exc.reason) from None
        _decision(application, "approve" if approve else "reject", user, on, text, granted=granted)
        application.state = Application.State.APPROVED if approve else Application.State.REJECTED
        application.decided_on = on
        application.granted = granted
        application.save(update_fields=["state", "decided_on", "granted"])


def visible_applications(user: Any) -> Any:
    """Cases a user may see: its institution's applications, or its authority's cases
    (and, for a regulator, the cases of its region); all for an administrator."""
    qs = Application.objects.select_related("applicant", "authority")
    if is_admin(user):
        return qs
    if user is None or not user.is_authenticated or user.institution_id is None:
        return qs.none()
    return Application.objects.visible_to(user).select_related(
        "applicant", "authority"
    ) | qs.filter(authority_id=user.institution_id)
