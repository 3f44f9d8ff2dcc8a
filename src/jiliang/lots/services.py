"""Lots of meters in service: form a homogeneous lot, plan and draw the sample, record the
results, decide extend or replace, regulator approval, public notice. Rules come from
data/lots/rules.yaml; the statistics from jiliang.stats."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from jiliang.lots.models import Lot, LotMember, SampleItem
from jiliang.registry.models import CatalogueItem, Institution, Instrument
from jiliang.registry.querysets import is_admin, region_prefix
from jiliang.stats import StatsInputError, attribute_plan, draw_sample


@cache
def rules() -> dict[str, Any]:
    """data/lots/rules.yaml, checked for the keys the workflow needs."""
    text = resources.files("jiliang").joinpath("data", "lots", "rules.yaml").read_text()
    data = yaml.safe_load(text)
    for key in ("category", "homogeneity", "service", "plan", "decision"):
        if not isinstance(data, dict) or key not in data:
            raise ValueError(f"data/lots/rules.yaml: missing key {key}")
    return data


def _auth(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage(user: Any, owner_id: int) -> bool:
    """Staff of the owning institution (not regulators), or an admin."""
    if is_admin(user):
        return True
    return (
        _auth(user)
        and user.institution_id == owner_id
        and getattr(user, "role", "") not in ("regulator",)
    )


def can_approve(user: Any, lot: Lot) -> bool:
    """A regulator of the lot's region (its division code starts with theirs)."""
    if not _auth(user) or user.institution_id is None:
        return False
    inst = user.institution
    if user.role != "regulator" and inst.kind != "regulator":
        return False
    return lot.division_code.startswith(region_prefix(inst.division_code))


def lots_for(user: Any) -> QuerySet[Lot]:
    return Lot.objects.visible_to(user).select_related("owner", "category")


def _candidates(owner: Institution) -> QuerySet[Instrument]:
    """In-service meters of the rules' category, with batch data, not yet in a lot."""
    return Instrument.objects.filter(
        owner=owner,
        category__number=rules()["category"],
        status=Instrument.Status.IN_SERVICE,
        meter_record__isnull=False,
        lot_membership__isnull=True,
    )


def candidate_groups(user: Any, owner: Institution) -> list[dict[str, Any]]:
    """Homogeneous groups the owner could form into lots, with their sizes."""
    if not can_manage(user, owner.pk):
        raise PermissionError("only the owner's staff form lots")
    rows = (
        _candidates(owner)
        .annotate(year=ExtractYear("meter_record__installed_on"))
        .values("maker", "model", "meter_record__production_batch", "year")
        .annotate(meters=Count("id"))
        .order_by("maker", "model", "meter_record__production_batch", "year")
    )
    minimum = int(rules()["homogeneity"]["min_lot_size"])
    return [
        {
            "maker": r["maker"],
            "model": r["model"],
            "production_batch": r["meter_record__production_batch"],
            "installation_year": r["year"],
            "meters": r["meters"],
            "large_enough": r["meters"] >= minimum,
        }
        for r in rows
    ]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def form_lot(
    user: Any,
    owner: Institution,
    *,
    maker: str,
    model: str,
    production_batch: str,
    installation_year: int,
    code: str = "",
) -> Lot:
    """A lot of every candidate meter sharing maker, model, batch and installation year."""
    if not can_manage(user, owner.pk):
        raise PermissionError("only the owner's staff form lots")
    cfg = rules()
    errors: dict[str, list[str]] = {}
    for name, value in (("maker", maker), ("model", model), ("production_batch", production_batch)):
        if not str(value).strip():
            errors[name] = ["required: every meter of a lot shares it"]
    if not dt.MINYEAR <= installation_year <= dt.MAXYEAR:
        # the installation-year lookup needs a calendar year; any other is no meter's
        errors["installation_year"] = [f"{installation_year} is not a calendar year"]
    if errors:
        raise ValidationError(errors)
    meters = _candidates(owner).filter(
        maker=maker,
        model=model,
        meter_record__production_batch=production_batch,
        meter_record__installed_on__year=installation_year,
    )
    size = meters.count()
    minimum = int(cfg["homogeneity"]["min_lot_size"])
    if size < minimum:
        raise ValidationError(
            {
                "production_batch": [
                    f"{size} meters of this maker/model/batch/installation year are free; "
                    f"a lot needs at least {minimum} ({cfg['homogeneity']['min_lot_size_source']})"
                ]
            }
        )
    category = CatalogueItem.objects.get(number=cfg["category"])
    first = meters.aggregate(first=Min("meter_record__installed_on"))["first"]
    code = code.strip() or f"{owner.pk}-{production_batch}-{installation_year}"
    if Lot.objects.filter(code=code).exists():
        raise ValidationError({"code": [f"lot {code!r} already exists"]})
    lot = Lot.objects.create(
        code=code,
        owner=owner,
        division_code=owner.division_code,
        category=category,
        maker=maker,
        model=model,
        production_batch=production_batch,
        installation_year=installation_year,
        size=size,
        service_until=_add_years(first, int(cfg["service"]["years"])),
        rules_version=str(cfg["version"]),
        created_by=user if _auth(user) else None,
        created_at=timezone.now(),
    )
    ids = list(meters.values_list("pk", flat=True))
    LotMember.objects.bulk_create([LotMember(lot=lot, instrument_id=pk) for pk in ids])
    return lot


def _require(lot: Lot, state: str, doing: str) -> None:
    if lot.state != state:
        raise ValidationError({"state": [f"cannot {doing}: the lot is {lot.state}"]})


@transaction.atomic
def draw(user: Any, lot: Lot, *, seed: str = "", lq: float | None = None) -> Lot:
    """Choose the plan (LQ, N → n, c, hypergeometric) and draw the sample; the seed and the
    algorithm are stored so that anyone can recompute the list."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if not can_manage(user, lot.owner_id):
        raise PermissionError("only the owner's staff draw the sample")
    _require(lot, Lot.State.FORMED, "draw")
    p = rules()["plan"]
    limit = float(p["lq"]) if lq is None else float(lq)
    choices = [float(v) for v in p["lq_choices"]]
    if limit not in choices:
        allowed = ", ".join(f"{v:g}" for v in choices)
        raise ValidationError({"lq": [f"choose a limiting quality among {allowed}"]})
    try:
        plan = attribute_plan(
            float(p["p1"]), float(p["alpha"]), limit, float(p["beta"]), lot=lot.size
        )
    except StatsInputError as exc:
        raise ValidationError({"size": [exc.reason]}) from exc
    serials = dict(
        Instrument.objects.filter(lot_membership__lot=lot).values_list("serial_number", "pk")
    )
    chosen_seed = seed.strip() or f"{lot.code}/{timezone.now().isoformat()}"
    try:
        sample = draw_sample(sorted(serials), plan.n, chosen_seed)
    except StatsInputError as exc:
        raise ValidationError({exc.field or "seed": [exc.reason]}) from exc
    SampleItem.objects.bulk_create(
        [
            SampleItem(lot=lot, instrument_id=serials[s], position=i)
            for i, s in enumerate(sample.selected, start=1)
        ]
    )
    lot.plan = {**plan.to_dict(), "lq": plan.p2, "source": p["source"]}
    lot.seed = sample.seed
    lot.algorithm = sample.algorithm
    lot.state = Lot.State.SAMPLED
    lot.save()
    return lot


@transaction.atomic
def record(user: Any, lot: Lot, serial: str, result: str, note: str = "") -> SampleItem:
    """A sampled meter's test result: pass (conforming) or fail (nonconforming)."""
    if not can_manage(user, lot.owner_id):
        raise PermissionError("only the owner's staff record results")
    _require(lot, Lot.State.SAMPLED, "record results")
    if result not in (SampleItem.Result.PASS, SampleItem.Result.FAIL):
        raise ValidationError({"result": ["use pass or fail"]})
    item = lot.sample.filter(instrument__serial_number=serial).first()
    if item is None:
        raise ValidationError({"serial": [f"meter {serial!r} is not in this lot's sample"]})
    item.result = result
    item.note = note[:200]
    item.tested_by = user
    item.tested_at = timezone.now()
    item.save()
    return item


@transaction.atomic
def decide(user: Any, lot: Lot, *, today: dt.date | None = None) -> Lot:
    """Accept (extend) if at most c sampled meters fail, else replace the whole lot."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if not can_manage(user, lot.owner_id):
        raise PermissionError("only the owner's staff decide")
    _require(lot, Lot.State.SAMPLED, "decide")
    pending = lot.sample.filter(result=SampleItem.Result.PENDING).count()
    if pending:
        raise ValidationError({"sample": [f"{pending} sampled meters have no result yet"]})
    fails = lot.sample.filter(result=SampleItem.Result.FAIL).count()
    cfg = rules()["decision"]
    day = today or timezone.localdate()
    lot.nonconforming = fails
    if lot.plan is not None and fails <= int(lot.plan["c"]):
        lot.decision = Lot.Decision.EXTEND
        lot.extended_until = _add_years(lot.service_until, int(cfg["extend_years"]))
    else:
        lot.decision = Lot.Decision.REPLACE
        months = int(cfg["replace_months"])
        lot.replace_by = _add_years(day, months // 12) + dt.timedelta(days=31 * (months % 12))
    lot.state = Lot.State.DECIDED
    lot.decided_by = user
    lot.decided_at = timezone.now()
    lot.save()
    return lot


@transaction.atomic
def approve(user: Any, lot: Lot, *, approved: bool, note: str = "") -> Lot:
    """The regulator of the region approves (or refuses) the decision."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if not can_approve(user, lot):
        raise PermissionError("only a regulator of the lot's region approves")
    _require(lot, Lot.State.DECIDED, "approve")
    if not approved and not note.strip():
        raise ValidationError({"note": ["say why the decision is not approved"]})
    lot.state = Lot.State.APPROVED if approved else Lot.State.REJECTED
    lot.approved_by = user
    lot.approved_at = timezone.now()
    lot.approval_note = note.strip()
    lot.save()
    return lot


def public_notice() -> QuerySet[Lot]:
    """Approved extensions, for everyone (no login): which lots, how many meters, until when."""
    return (
        Lot.objects.filter(state=Lot.State.APPROVED, decision=Lot.Decision.EXTEND)
        .select_related("owner")
        .order_by("-approved_at", "code")
    )
