"""Campaigns (双随机、一公开): plan, draw premises and inspectors from the registers with a
recorded seed, inspect (findings, photos, signature, notices), open cases, close and publish.
Every write checks who may do it here, so pages and the API share one rule book."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.market import rules
from jiliang.market.models import (
    Campaign,
    CampaignInspector,
    Finding,
    Inspection,
    Notice,
    Photo,
    Premises,
)
from jiliang.registry.models import Instrument
from jiliang.registry.querysets import in_region, is_admin, region_prefix
from jiliang.supervision import SupervisionInputError, draw, new_seed

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _auth(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_regulator(user: Any) -> bool:
    """Staff of a regulator institution (role regulator)."""
    return (
        _auth(user)
        and user.institution_id is not None
        and user.role == "regulator"
        and user.institution.kind == "regulator"
    )


def require_regulator(user: Any) -> Any:
    if not is_regulator(user):
        raise PermissionError(_("只有市场监管部门的人员可以这样做"))
    return user.institution


def runs(user: Any, campaign: Campaign) -> bool:
    """The regulator institution running the campaign (or an admin)."""
    return is_admin(user) or (is_regulator(user) and user.institution_id == campaign.regulator_id)


def instrument_state(instrument: Instrument, today: dt.date) -> str:
    """Verification state from the registry's derived due date: valid, overdue or none."""
    if instrument.due_date is None:
        return "none"
    return "overdue" if instrument.due_date < today else "valid"


STATE_LABELS = {"valid": "有效", "overdue": "超期", "none": "无检定记录"}


# -- planning and the draw ------------------------------------------------------------------


@transaction.atomic
def plan_campaign(
    user: Any,
    *,
    code: str,
    title: str,
    region: str,
    premises_kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    premises_count: int,
    inspectors_count: int = 1,
    categories: list[str] | None = None,
) -> Campaign:
    regulator = require_regulator(user)
    errors: dict[str, list[str]] = {}
    own = region_prefix(regulator.division_code)
    region = region.strip() or own
    if not region.isdigit() or not region.startswith(own):
        errors["region"] = [_("区域必须在本机关辖区内") + f" ({own})"]
    if premises_kind not in Premises.Kind.values:
        errors["premises_kind"] = [_("未知的场所类别")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("结束日期早于开始日期")]
    if not 1 <= premises_count <= 1000:
        errors["premises_count"] = [_("抽取数量应在 1 到 1000 之间")]
    if not 1 <= inspectors_count <= 100:
        errors["inspectors_count"] = [_("检查人员数量应在 1 到 100 之间")]
    if not code.strip() or len(code) > 40 or Campaign.objects.filter(code=code.strip()).exists():
        errors["code"] = [_("编号为空、过长或已存在")]
    if not title.strip() or len(title) > 120:
        errors["title"] = [_("请填写标题（最多 120 字）")]
    cats = list(categories or [])
    if len(cats) > 20 or any(len(c) > 10 or not c.isalnum() for c in cats):
        errors["categories"] = [_("器具类别为目录编号，最多 20 个")]
    if errors:
        raise ValidationError(errors)
    return Campaign.objects.create(
        code=code.strip(),
        title=title.strip(),
        regulator=regulator,
        region=region,
        premises_kind=premises_kind,
        categories=cats,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=rules.checklist(premises_kind),
        premises_count=premises_count,
        inspectors_count=inspectors_count,
        created_by=user,
    )


def candidate_premises(campaign: Campaign) -> QuerySet[Premises]:
    """The register the premises are drawn from: kind and region, and, when categories are
    given, only premises holding an in-service instrument of one of them."""
    qs = Premises.objects.filter(kind=campaign.premises_kind).filter(
        in_region("division_code", campaign.region)
    )
    if campaign.categories:
        qs = qs.filter(
            instruments__category__number__in=campaign.categories,
            instruments__status=Instrument.Status.IN_SERVICE,
        ).distinct()
    return qs


def candidate_inspectors(campaign: Campaign) -> list[str]:
    from jiliang.accounts.models import User

    return list(
        User.objects.filter(
            institution=campaign.regulator, role="regulator", is_active=True
        ).values_list("username", flat=True)
    )


def _assign(
    seed: str, premises: list[str], inspectors: list[str], n: int, k: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    drawn = draw(seed, "premises", premises, n).selected
    staff = draw(seed, "inspectors", inspectors, k).selected
    return drawn, staff


@transaction.atomic
def draw_campaign(user: Any, campaign: Campaign, seed: str = "") -> Campaign:
    """Draw premises and inspectors; premises i goes to inspector i mod k (draw order).
    The population (both registers' keys) and the seed are stored for anyone to re-run."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not runs(user, campaign):
        raise PermissionError(_("只有组织检查的监管部门可以抽取"))
    if campaign.state != Campaign.State.PLANNED:
        raise ValidationError({"state": [_("已经抽取过")]})
    premises = sorted(candidate_premises(campaign).values_list("code", flat=True))
    inspectors = sorted(candidate_inspectors(campaign))
    if not premises:
        raise ValidationError({"premises_kind": [_("范围内没有可抽取的场所")]})
    if not inspectors:
        raise ValidationError({"inspectors_count": [_("本机关没有可抽取的检查人员")]})
    chosen = seed.strip() or new_seed()
    try:
        drawn, staff = _assign(
            chosen, premises, inspectors, campaign.premises_count, campaign.inspectors_count
        )
    except SupervisionInputError as exc:
        raise ValidationError({exc.field: [exc.reason]}) from exc
    from jiliang.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=staff)}
    CampaignInspector.objects.bulk_create(
        [
            CampaignInspector(campaign=campaign, user=users[u], position=i)
            for i, u in enumerate(staff)
        ]
    )
    places = {p.code: p for p in Premises.objects.filter(code__in=drawn)}
    Inspection.objects.bulk_create(
        [
            Inspection(
                campaign=campaign,
                premises=places[code],
                inspector=users[staff[i % len(staff)]],
                position=i,
            )
            for i, code in enumerate(drawn)
        ]
    )
    campaign.seed = chosen
    campaign.algorithm = "sha256-rank/1"
    from jiliang.market.risk import coverage

    campaign.population = {"premises": premises, "inspectors": inspectors}
    campaign.population["risk_at_draw"] = coverage(campaign, timezone.localdate())["mean_risk"]
    campaign.state = Campaign.State.DRAWN
    campaign.save()
    return campaign


def redraw(campaign: Campaign) -> dict[str, list[str]]:
    """Recompute the draw from the recorded seed and population (anyone can do this)."""
    drawn, staff = _assign(
        campaign.seed,
        campaign.population["premises"],
        campaign.population["inspectors"],
        campaign.premises_count,
        campaign.inspectors_count,
    )
    return {"premises": list(drawn), "inspectors": list(staff)}


def recorded_draw(campaign: Campaign) -> dict[str, list[str]]:
    return {
        "premises": list(campaign.inspections.values_list("premises__code", flat=True)),
        "inspectors": list(campaign.inspectors.values_list("user__username", flat=True)),
    }


# -- inspection -----------------------------------------------------------------------------


def may_inspect(user: Any, inspection: Inspection) -> bool:
    return _auth(user) and inspection.inspector_id == user.pk


def may_see(user: Any, inspection: Inspection) -> bool:
    return may_inspect(user, inspection) or runs(user, inspection.campaign)


def instruments_with_state(inspection: Inspection, today: dt.date) -> list[dict[str, Any]]:
    """The premises' registered instruments (its stalls' too), verification state prefilled."""
    places = [inspection.premises.pk, *inspection.premises.stalls.values_list("pk", flat=True)]
    rows = (
        Instrument.objects.filter(premises__in=places)
        .select_related("category")
        .distinct()
        .order_by("serial_number")
    )
    return [
        {
            "instrument": i,
            "state": instrument_state(i, today),
            "state_label": STATE_LABELS[instrument_state(i, today)],
        }
        for i in rows
    ]


def _open(inspection: Inspection) -> None:
    """Writes only while the campaign is drawn and not closed (read fresh, not cached)."""
    state = Campaign.objects.filter(pk=inspection.campaign_id).values_list("state", flat=True)
    if state.first() != Campaign.State.DRAWN:
        raise ValidationError({"state": [_("检查已结束")]})


def photo_kind(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's magic bytes, or None."""
    for magic, ctype, ext in MAGIC:
        if head.startswith(magic):
            return ctype, ext
    return None


def photo_dir() -> Path:
    return Path(settings.DATA_DIR) / "market" / "photos"


@transaction.atomic
def add_finding(
    user: Any,
    inspection: Inspection,
    *,
    kind: str,
    instrument_id: int | None,
    note: str = "",
    photo: bytes | None = None,
    today: dt.date | None = None,
) -> Finding:
    if not may_inspect(user, inspection):
        raise PermissionError(_("只有被指派的检查人员可以记录"))
    _open(inspection)
    errors: dict[str, list[str]] = {}
    if kind not in Finding.Kind.values:
        errors["kind"] = [_("未知的问题类别")]
    instrument = None
    if instrument_id is not None:
        allowed = {
            r["instrument"].pk: r
            for r in instruments_with_state(inspection, today or timezone.localdate())
        }
        if instrument_id not in allowed:
            errors["instrument"] = [_("该器具不在这个场所的登记中")]
        else:
            instrument = allowed[instrument_id]["instrument"]
    if len(note) > 500:
        errors["note"] = [_("说明最多 500 字")]
    kind_of_photo = None
    if photo is not None:
        if len(photo) > MAX_PHOTO_BYTES:
            errors["photo"] = [_("照片过大") + f" ({len(photo):,} > {MAX_PHOTO_BYTES:,} bytes)"]
        else:
            kind_of_photo = photo_kind(photo[:16])
            if kind_of_photo is None:
                errors["photo"] = [_("照片须为 JPEG 或 PNG 图像")]
    if errors:
        raise ValidationError(errors)
    state = instrument_state(instrument, today or timezone.localdate()) if instrument else ""
    finding = Finding.objects.create(
        inspection=inspection,
        instrument=instrument,
        kind=kind,
        state_at_visit=state,
        note=note.strip(),
        created_by=user,
    )
    if photo is not None and kind_of_photo is not None:
        digest = hashlib.sha256(photo).hexdigest()
        folder = photo_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{digest}.{kind_of_photo[1]}"
        (folder / name).write_bytes(photo)
        Photo.objects.create(
            finding=finding,
            path=name,
            content_type=kind_of_photo[0],
            size=len(photo),
            sha256=digest,
        )
    if inspection.state != Inspection.State.DONE:
        inspection.state = Inspection.State.DONE
        inspection.visited_at = timezone.now()
        inspection.save(update_fields=["state", "visited_at"])
    return finding


@transaction.atomic
def sign(
    user: Any, inspection: Inspection, *, name: str, refused: bool, answers: dict[str, bool]
) -> Inspection:
    """The trader's typed name (or the refusal) and the checklist answers."""
    if not may_inspect(user, inspection):
        raise PermissionError(_("只有被指派的检查人员可以记录"))
    _open(inspection)
    if not refused and not name.strip():
        raise ValidationError({"signed_by": [_("请填写签字人姓名，或勾选拒绝签字")]})
    if len(name) > 60:
        raise ValidationError({"signed_by": [_("姓名最多 60 字")]})
    codes = {c["code"] for c in inspection.campaign.checklist}
    inspection.checklist_answers = {k: bool(v) for k, v in answers.items() if k in codes}
    inspection.signed_by = "" if refused else name.strip()
    inspection.refused_to_sign = refused
    inspection.state = Inspection.State.DONE
    inspection.visited_at = inspection.visited_at or timezone.now()
    inspection.save()
    return inspection


@transaction.atomic
def issue_notice(
    user: Any, inspection: Inspection, *, requirements: str, deadline: dt.date
) -> Notice:
    if not may_inspect(user, inspection):
        raise PermissionError(_("只有被指派的检查人员可以开具通知"))
    _open(inspection)
    if not requirements.strip() or len(requirements) > 2000:
        raise ValidationError({"requirements": [_("请填写整改要求（最多 2000 字）")]})
    if deadline <= timezone.localdate():
        raise ValidationError({"deadline": [_("整改期限须晚于今天")]})
    n = Notice.objects.filter(inspection__campaign=inspection.campaign).count() + 1
    return Notice.objects.create(
        inspection=inspection,
        number=f"{inspection.campaign.code}-ZG{n:03d}",
        requirements=requirements.strip(),
        deadline=deadline,
        issued_by=user,
    )


@transaction.atomic
def follow_up(user: Any, notice: Notice, *, rectified: bool) -> Notice:
    if not (may_inspect(user, notice.inspection) or runs(user, notice.inspection.campaign)):
        raise PermissionError(_("无权复查"))
    notice.follow_up = Notice.FollowUp.RECTIFIED if rectified else Notice.FollowUp.NOT_RECTIFIED
    notice.followed_up_at = timezone.now()
    notice.save()
    return notice
