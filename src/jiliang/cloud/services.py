"""The cloud's rule book: capabilities and demands are written here only (page, API, demo).

Each write checks text with the registry's write rules, the statement with the capability
core (the same parser as `jiliang cmc match`), and ownership: an institution publishes only
its own capabilities realised by its own standards, answers only with its own capabilities,
and only a demand's owner picks an answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiliang.capability import (
    CapabilityError,
    Cmc,
    MatchResult,
    cmc_from_dict,
    demand_from_dict,
    match,
)
from jiliang.capability import Demand as CoreDemand
from jiliang.cloud.models import Answer, Capability, Demand
from jiliang.cloud.places import location
from jiliang.registry.models import Institution, MeasurementStandard, Quantity
from jiliang.registry.querysets import is_admin
from jiliang.registry.write_rules import field_problems

MAX_MATCHED = 5000  # capabilities of one quantity compared for one demand


def to_core(cap: Capability) -> Cmc:
    """The core's CMC for a stored capability (institution name, place from its division)."""
    data = {
        "id": cap.code,
        "institution": cap.institution.name_zh,
        "quantity": cap.quantity.code,
        "instrument": cap.instrument,
        "range": {"min": cap.range_min, "max": cap.range_max, "unit": cap.unit},
        "uncertainty": cap.uncertainty,
        "method": cap.method,
        "turnaround_days": cap.turnaround_days,
        "standards": [s.code for s in cap.standards.all()],
    }
    cmc = cmc_from_dict(data, f"capability {cap.code}")
    place = location(cap.institution.division_code)
    return Cmc(**{**cmc.__dict__, "location": place})


def demand_to_core(demand: Demand) -> CoreDemand:
    core = demand_from_dict(
        {
            "quantity": demand.quantity.code,
            "range": {"min": demand.low, "max": demand.high, "unit": demand.unit},
            "required_U": {
                "value": demand.required_u,
                "unit": demand.required_u_unit,
                "k": demand.required_k,
            },
            "deadline": demand.deadline.isoformat(),
        }
    )
    return CoreDemand(**{**core.__dict__, "location": location(demand.division_code)})


def _check_text(model: type, values: Mapping[str, Any]) -> None:
    problems = field_problems(model, values)
    if problems:
        raise ValidationError(problems)


def _own_institution(user: Any) -> Institution:
    if user is None or not user.is_authenticated or user.institution_id is None:
        raise PermissionDenied(_("需要登录机构账号"))
    return user.institution  # type: ignore[no-any-return]


def _quantity(code: str) -> Quantity:
    found = Quantity.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"quantity": _("未知的量: %(code)s") % {"code": code}})
    return found


@transaction.atomic
def create_capability(user: Any, data: Mapping[str, Any]) -> Capability:
    """Publish one CMC of the user's own laboratory (all-or-nothing)."""
    institution = _own_institution(user)
    if not (institution.is_lab or is_admin(user)):
        raise PermissionDenied(_("只有技术机构可以发布测量能力"))
    quantity = _quantity(str(data.get("quantity", "")))
    try:
        core = cmc_from_dict({**data, "institution": institution.name_zh})
    except CapabilityError as exc:
        raise ValidationError({exc.where.split(".")[-1] or "cmc": exc.reason}) from None
    values = {
        "code": core.id,
        "instrument": core.instrument,
        "unit": core.unit,
        "method": core.method,
    }
    _check_text(Capability, values)
    if Capability.objects.filter(code=core.id).exists():
        raise ValidationError({"id": _("编号已被使用")})
    standards = list(
        MeasurementStandard.objects.filter(code__in=core.standards, institution=institution)
    )
    missing = set(core.standards) - {s.code for s in standards}
    if missing:
        raise ValidationError(
            {
                "standards": _("不是本机构的计量标准: %(codes)s")
                % {"codes": ", ".join(sorted(missing))}
            }
        )
    raw = dict(data.get("uncertainty") or {})
    cap = Capability.objects.create(
        institution=institution,
        code=core.id,
        quantity=quantity,
        instrument=core.instrument,
        range_min=core.range_min,
        range_max=core.range_max,
        unit=core.unit,
        uncertainty_kind=core.uncertainty.kind,
        uncertainty=raw,
        method=core.method,
        turnaround_days=core.turnaround_days,
    )
    cap.standards.set(standards)
    return cap


def traceability(cap: Capability, on: dt.date) -> list[tuple[MeasurementStandard, list[str]]]:
    """Each standard that realises the CMC with its problems on the day (empty = in force)."""
    from jiliang.registry.services import standard_problems

    return [(s, standard_problems(s, on)) for s in cap.standards.all()]


FACETS = ("quantity", "province", "kind")


def search(
    params: Mapping[str, str],
) -> tuple[QuerySet[Capability], dict[str, list[dict[str, Any]]]]:
    """Capabilities filtered by quantity, province, institution kind and text; facet counts.

    Each facet counts the rows that match every *other* filter, as faceted search does, so
    choosing a quantity still shows how many CMCs each province has for it.
    """
    base = Capability.objects.select_related("institution", "quantity")
    filters: dict[str, dict[str, Any]] = {}
    if params.get("quantity"):
        filters["quantity"] = {"quantity__code": params["quantity"]}
    if params.get("province"):
        filters["province"] = {"institution__division_code__startswith": params["province"][:2]}
    if params.get("kind"):
        filters["kind"] = {"institution__kind": params["kind"]}
    text = (params.get("q") or "").strip()[:60]

    def scoped(skip: str | None) -> QuerySet[Capability]:
        rows = base
        for name, condition in filters.items():
            if name != skip:
                rows = rows.filter(**condition)
        if text:
            rows = rows.filter(instrument__icontains=text) | rows.filter(
                institution__name_zh__icontains=text
            )
        return rows

    facets: dict[str, list[dict[str, Any]]] = {}
    by_quantity = (
        scoped("quantity")
        .values("quantity__code", "quantity__name_zh", "quantity__name_en")
        .annotate(n=Count("id"))
    )
    english = (get_language() or "").startswith("en")  # a quantity is stored in both
    facets["quantity"] = [
        {
            "value": r["quantity__code"],
            "label": r["quantity__name_en"] if english else r["quantity__name_zh"],
            "count": r["n"],
        }
        for r in by_quantity.order_by("-n", "quantity__code")
    ]
    provinces: dict[str, int] = {}
    for r in scoped("province").values("institution__division_code").annotate(n=Count("id")):
        key = r["institution__division_code"][:2] + "0000"
        provinces[key] = provinces.get(key, 0) + r["n"]
    facets["province"] = [
        {"value": code[:2], "label": province_name(code), "count": n}
        for code, n in sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    kinds = dict(Institution.Kind.choices)
    facets["kind"] = [
        {
            "value": r["institution__kind"],
            "label": str(kinds.get(r["institution__kind"], "")),
            "count": r["n"],
        }
        for r in scoped("kind").values("institution__kind").annotate(n=Count("id")).order_by("-n")
    ]
    return scoped(None).order_by("id"), facets


def province_name(code: str) -> str:
    """The province's name from the shipped GB/T 2260 table, or the code itself."""
    from jiliang.codes import CodeError, check_division_code

    try:
        return check_division_code(code[:2] + "0000").name_zh
    except CodeError:
        return code


def match_demand(demand: Demand) -> tuple[MatchResult, dict[str, Capability]]:
    """Rank the published capabilities of the demand's quantity against it."""
    caps = list(
        Capability.objects.filter(quantity_id=demand.quantity_id)
        .select_related("institution", "quantity")
        .prefetch_related("standards")
        .order_by("id")[:MAX_MATCHED]
    )
    by_code = {c.code: c for c in caps}
    return match([to_core(c) for c in caps], demand_to_core(demand)), by_code


@transaction.atomic
def create_demand(user: Any, data: Mapping[str, Any]) -> Demand:
    """An enterprise (or any institution) records what it needs measured, how well, by when."""
    owner = _own_institution(user)
    quantity = _quantity(str(data.get("quantity", "")))
    try:
        core = demand_from_dict(data)
    except CapabilityError as exc:
        raise ValidationError({exc.where.split(".")[-1] or "demand": exc.reason}) from None
    if core.deadline is None:
        raise ValidationError({"deadline": _("需要填写期限")})
    from jiliang.capability._units import compatible

    try:
        if not compatible(core.unit, quantity.unit.replace("°C", "degC"), "unit"):
            raise ValidationError({"unit": _("单位与所选的量不符")})
    except CapabilityError as exc:
        raise ValidationError({"unit": exc.reason}) from None
    title = (
        str(data.get("title") or "").strip()
        or f"{quantity.name_zh} {core.low:g}–{core.high:g} {core.unit}"
    )
    values = {"title": title, "unit": core.unit, "required_u_unit": core.required_u_unit}
    _check_text(Demand, values)
    return Demand.objects.create(
        owner=owner,
        created_by=user,
        title=title,
        quantity=quantity,
        low=core.low,
        high=core.high,
        unit=core.unit,
        required_u=core.required_u,
        required_u_unit=core.required_u_unit,
        required_k=core.required_k,
        division_code=str(data.get("division_code") or owner.division_code),
        deadline=core.deadline,
    )


@transaction.atomic
def answer(user: Any, demand: Demand, capability_code: str, note: str = "") -> Answer:
    """A provider offers one of its own capabilities that matches the demand."""
    provider = _own_institution(user)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status not in (Demand.Status.OPEN, Demand.Status.ANSWERED):
        raise ValidationError({"demand": _("该需求已不再接受响应")})
    cap = Capability.objects.filter(code=capability_code, institution=provider).first()
    if cap is None:
        raise ValidationError({"capability": _("不是本机构的测量能力")})
    result, _caps = match_demand(demand)
    if cap.code not in {m.cmc.id for m in result.matches}:
        reason = next((e.reason for e in result.excluded if e.cmc.id == cap.code), "")
        raise ValidationError(
            {"capability": _("该能力不满足需求: %(reason)s") % {"reason": reason}}
        )
    _check_text(Answer, {"note": note})
    if Answer.objects.filter(demand=demand, capability=cap).exists():
        raise ValidationError({"capability": _("已用该能力响应过")})
    created = Answer.objects.create(
        demand=demand,
        provider=provider,
        capability=cap,
        note=note,
        turnaround_days=cap.turnaround_days,
    )
    demand.status = Demand.Status.ANSWERED
    demand.save(update_fields=["status"])
    return created


@transaction.atomic
def pick(user: Any, demand: Demand, answer_id: int) -> Answer:
    """The demand's owner picks one answer; the others stay on record."""
    if not (is_admin(user) or (user.is_authenticated and user.institution_id == demand.owner_id)):
        raise PermissionDenied(_("只有需求方可以选择服务机构"))
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    chosen = Answer.objects.filter(demand=demand, pk=answer_id).first()
    if chosen is None:
        raise ValidationError({"answer": _("没有这个响应")})
    if demand.status not in (Demand.Status.ANSWERED,):
        raise ValidationError({"demand": _("该需求不能再选择")})
    chosen.picked = True
    chosen.save(update_fields=["picked"])
    demand.status = Demand.Status.PICKED
    demand.save(update_fields=["status"])
    return chosen


@transaction.atomic
def mark_met(user: Any, demand: Demand, on: dt.date) -> Demand:
    """The owner confirms the picked provider met the demand: evidence for the statistics."""
    if not (is_admin(user) or (user.is_authenticated and user.institution_id == demand.owner_id)):
        raise PermissionDenied(_("只有需求方可以确认"))
    if demand.status != Demand.Status.PICKED:
        raise ValidationError({"demand": _("先选择服务机构，再确认满足")})
    demand.status = Demand.Status.MET
    demand.met_on = on
    demand.save(update_fields=["status", "met_on"])
    return demand
