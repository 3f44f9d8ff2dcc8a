"""Creating and editing registry records one at a time (issue 13 §1): instruments, customers
recorded before they join, and joining.

Decision on customers not yet on the platform: a laboratory records them as an ordinary
`Institution` row with `joined=False` and `recorded_by` = the laboratory, and an accepted
customer relation between the two. Its instruments are its own from the first day (owner =
that row), so when the institution joins (`join_institution`, by its unified social credit
code) nothing moves: the same row turns `joined`, its people sign in, and it may end the
laboratory's relation like any owner. Until then only the recording laboratory acts for it.

The issue-12 rule stays whole: a laboratory creates instruments only for itself, a customer
it recorded, or a customer that keeps an accepted relation with it; it never reaches an
existing instrument by typing a serial number (a serial taken by that owner is refused, and
only an owner that accepted the laboratory can be asked).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.codes import CodeError, check_division_code, check_gbw_number, check_uscc
from jiliang.registry import write_rules
from jiliang.registry.customer_models import LabCustomer
from jiliang.registry.customers import note_worked, request_relation
from jiliang.registry.models import (
    Institution,
    Instrument,
    MeasurementStandard,
    Person,
    ReferenceMaterial,
)
from jiliang.registry.querysets import is_admin
from jiliang.registry.record_rules import acts_for, may_create_instrument_for, member_writer

# the instrument fields a form or the API may set (owner: at creation; status: state changes)
INSTRUMENT_FIELDS = (
    "name",
    "serial_number",
    "division_code",
    "category",
    "quantity",
    "use_area",
    "location",
    "maker",
    "model",
    "cpa_mark",
    "range_min",
    "range_max",
    "unit",
    "accuracy_class",
    "mpe",
    "part_of_standard",
)


def _errors(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def save_instrument(
    user: Any, values: dict[str, Any], instance: Instrument | None = None
) -> Instrument:
    """Create (instance None; `values['owner']` an Institution) or edit an instrument.

    `values` are cleaned by `edit_forms.InstrumentForm` (units converted, objects looked up);
    here the rules about who and what: permission, serial unique per owner, equipment of the
    owner's own standards, text rules, the model's clean.
    """
    if instance is None:
        owner = values["owner"]
        if not may_create_instrument_for(user, owner):
            raise PermissionDenied(
                _("不能为%(owner)s登记器具：须为本单位、本实验室登记的客户，或已接受本实验室的客户")
                % {"owner": owner.name_zh}
            )
        instrument = Instrument(owner=owner)
    else:
        instrument = instance
        if not acts_for(user, instrument.owner):
            raise PermissionDenied(_("无权修改该器具"))
        if instrument.status == Instrument.Status.SCRAPPED:
            raise ValidationError({"status": _("已报废的器具不能再修改")})
    for name in INSTRUMENT_FIELDS:
        if name in values:
            setattr(instrument, name, values[name])
    texts = {n: v for n, v in values.items() if isinstance(v, str)}
    _errors(write_rules.field_problems(Instrument, texts))
    taken = Instrument.objects.filter(
        owner_id=instrument.owner_id, serial_number=instrument.serial_number
    ).exclude(pk=instrument.pk)
    if taken.exists():
        raise ValidationError(
            {
                "serial_number": _("该单位已登记出厂编号 %(serial)s")
                % {"serial": instrument.serial_number}
            }
        )
    instrument.full_clean(exclude=["owner"])
    instrument.save()
    own = member_writer(user)
    if own is not None and own.pk != instrument.owner_id and own.is_lab:
        note_worked([(own.pk, instrument.pk)])  # the laboratory keeps seeing what it recorded
    return instrument


def _check_uscc(code: str) -> str:
    try:
        return check_uscc(code.strip().upper())
    except CodeError as exc:
        raise ValidationError({"uscc": _("统一社会信用代码无效：%(why)s") % {"why": exc}}) from exc


def _check_division(code: str) -> str:
    try:
        check_division_code(code, allow_unlisted=True)
    except CodeError as exc:
        raise ValidationError(
            {"division_code": _("行政区划代码无效：%(why)s") % {"why": exc}}
        ) from exc
    return code


@transaction.atomic
def record_customer(
    user: Any, *, name: str, uscc: str, division_code: str, address: str = ""
) -> tuple[Institution, LabCustomer]:
    """A laboratory records a customer by name, address, USCC and region.

    Not on the platform: a placeholder institution the laboratory acts for until it joins,
    with an accepted relation. Already on the platform: only a request of the relation,
    which its owner accepts (no instrument of it becomes visible or writable before).
    """
    lab = member_writer(user)
    if lab is None or user.role != "lab" or not lab.is_lab:
        raise PermissionDenied(_("仅实验室人员可登记客户"))
    code = _check_uscc(uscc)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写客户名称")})
    _check_division(division_code)
    values = {"name_zh": name, "address": address.strip(), "uscc": code}
    _errors(write_rules.field_problems(Institution, values))
    existing = Institution.objects.select_for_update().filter(uscc=code).first()
    if existing is not None:
        if existing.pk == lab.pk:
            raise ValidationError({"uscc": _("这是本单位的代码")})
        if not existing.joined and existing.recorded_by_id not in (None, lab.pk):
            raise ValidationError(
                {"uscc": _("该单位已由其他实验室登记，尚未加入平台；加入后可接受贵实验室的申请")}
            )
        relation = LabCustomer.objects.filter(lab=lab, owner=existing).first()
        if relation is not None and relation.status == LabCustomer.Status.ACCEPTED:
            return existing, relation
        return existing, request_relation(user, existing, note=_("登记客户"))
    institution = Institution(
        name_zh=name,
        kind=Institution.Kind.ENTERPRISE,
        division_code=division_code,
        uscc=code,
        address=values["address"],
        joined=False,
        recorded_by=lab,
    )
    institution.full_clean()
    institution.save()
    relation = LabCustomer.objects.create(
        lab=lab,
        owner=institution,
        status=LabCustomer.Status.ACCEPTED,
        origin=LabCustomer.Origin.REQUEST,
        note=_("实验室登记的客户（尚未加入平台）"),
        created_by=user,
        accepted_at=timezone.now(),
    )
    return institution, relation


@transaction.atomic
def join_institution(
    user: Any,
    *,
    uscc: str,
    name: str,
    kind: str,
    division_code: str,
    address: str = "",
) -> Institution:
    """An institution joins the platform (a platform administrator registers it).

    If a laboratory recorded it before, that row turns `joined` (with the name, kind, region
    and address it gives), so the instruments recorded for it are its own; otherwise a new
    institution. Joining twice is refused.
    """
    if not is_admin(user):
        raise PermissionDenied(_("仅平台管理员可登记加入的机构"))
    code = _check_uscc(uscc)
    _check_division(division_code)
    if kind not in Institution.Kind.values:
        raise ValidationError({"kind": _("未知机构类型 %(kind)s") % {"kind": kind}})
    institution = Institution.objects.select_for_update().filter(uscc=code).first()
    if institution is not None and institution.joined:
        raise ValidationError({"uscc": _("该单位已在平台上")})
    if institution is None:
        institution = Institution(uscc=code)
    institution.name_zh = (name or "").strip() or institution.name_zh
    institution.kind = kind
    institution.division_code = division_code
    institution.address = (address or "").strip() or institution.address
    institution.joined = True
    _errors(write_rules.field_problems(Institution, {"name_zh": institution.name_zh}))
    institution.full_clean()
    institution.save()
    return institution


# --- standards, reference materials, people -----------------------------------------------


def _writer_institution(user: Any, instance: Any, scope: str) -> Institution:
    """The institution a new record belongs to (the user's), or an existing record's."""
    if instance is not None:
        institution: Institution = getattr(instance, scope)
        if not acts_for(user, institution):
            raise PermissionDenied(_("无权修改该机构的记录"))
        return institution
    own = member_writer(user)
    if own is None:
        raise PermissionDenied(_("只读用户与监管用户不能登记记录"))
    return own


def _apply(obj: Any, values: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in values:
            setattr(obj, name, values[name])
    texts = {n: values[n] for n in names if isinstance(values.get(n), str)}
    _errors(write_rules.field_problems(type(obj), texts))


@transaction.atomic
def save_standard(
    user: Any, values: dict[str, Any], instance: MeasurementStandard | None = None
) -> MeasurementStandard:
    """Create or edit a measurement standard and set its equipment (the holder's own
    instruments, by serial number; the ones left out stop being its equipment)."""
    institution = _writer_institution(user, instance, "institution")
    standard = instance or MeasurementStandard(institution=institution)
    names = (
        "name",
        "code",
        "kind",
        "quantity",
        "unit",
        "range_min",
        "range_max",
        "expanded_uncertainty",
        "uncertainty_is_relative",
        "accuracy_class",
        "mpe",
    )
    _apply(standard, values, names)
    if MeasurementStandard.objects.filter(code=standard.code).exclude(pk=standard.pk).exists():
        raise ValidationError({"code": _("标准代码 %(code)s 已被使用") % {"code": standard.code}})
    standard.full_clean()
    standard.save()
    serials: list[str] = values.get("equipment", [])
    found = {
        i.serial_number: i
        for i in Instrument.objects.filter(owner_id=institution.pk, serial_number__in=serials)
    }
    missing = [s for s in serials if s not in found]
    if missing:
        raise ValidationError(
            {
                "equipment": _("本单位没有出厂编号为 %(serials)s 的器具")
                % {"serials": ", ".join(missing)}
            }
        )
    for instrument in Instrument.objects.filter(part_of_standard=standard).exclude(
        serial_number__in=serials
    ):
        instrument.part_of_standard = None
        instrument.save()  # one by one: each change is in the instrument's change log
    for instrument in found.values():
        if instrument.part_of_standard_id != standard.pk:
            refusal = write_rules.equipment_refusal(
                instrument.owner_id, standard.institution_id, standard.code
            )
            if refusal is not None:
                raise ValidationError({"equipment": refusal})
            instrument.part_of_standard = standard
            instrument.save()
    return standard


@transaction.atomic
def save_material(
    user: Any, values: dict[str, Any], instance: ReferenceMaterial | None = None
) -> ReferenceMaterial:
    """Create or edit a certified reference material of the user's institution (producer)."""
    producer = _writer_institution(user, instance, "producer")
    material = instance or ReferenceMaterial(producer=producer, grade=0)
    names = (
        "gbw_number",
        "name",
        "quantity",
        "unit",
        "certified_value",
        "expanded_uncertainty",
        "coverage_factor",
        "expiry",
    )
    _apply(material, values, names)
    try:
        material.grade, material.gbw_number = check_gbw_number(material.gbw_number)
    except CodeError as exc:
        raise ValidationError({"gbw_number": str(exc)}) from exc
    taken = ReferenceMaterial.objects.filter(gbw_number=material.gbw_number)
    if taken.exclude(pk=material.pk).exists():
        raise ValidationError(
            {"gbw_number": _("编号 %(number)s 已登记") % {"number": material.gbw_number}}
        )
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def save_person(user: Any, values: dict[str, Any], instance: Person | None = None) -> Person:
    """Create or edit a registered metrologist of the user's institution and registration."""
    institution = _writer_institution(user, instance, "institution")
    person = instance or Person(institution=institution)
    names = (
        "name",
        "registration_number",
        "level",
        "registration_scope",
        "valid_from",
        "valid_until",
        "roles",
    )
    _apply(person, values, names)
    taken = Person.objects.filter(registration_number=person.registration_number)
    if taken.exclude(pk=person.pk).exists():
        raise ValidationError(
            {
                "registration_number": _("注册证书编号 %(number)s 已登记")
                % {"number": person.registration_number}
            }
        )
    person.full_clean(exclude=["user"])
    person.save()
    return person
