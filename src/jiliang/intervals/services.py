"""Interval reviews: certificate history → RP-1 A3 and S2 → a recommendation that a
responsible person accepts; the accepted interval is written to the instruments, where the
registry's due-date logic reads it (Instrument.interval_days)."""

from __future__ import annotations

import io
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from jiliang.intervals.models import IntervalReview
from jiliang.registry.models import Certificate, Institution, Instrument
from jiliang.registry.querysets import is_admin
from jiliang.stats import (
    BinnedReliability,
    StatsInputError,
    interval_a3,
    interval_s2,
    plot_reliability,
)

RESPONSIBLE_ROLES = frozenset({"lab", "admin"})


@cache
def rules() -> dict[str, Any]:
    """data/intervals/review.yaml (how history becomes A3/S2 data), with its source."""
    text = resources.files("jiliang").joinpath("data", "intervals", "review.yaml").read_text()
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "as_found" not in data:
        raise ValueError("data/intervals/review.yaml: missing key as_found")
    return data


def is_responsible(user: Any, owner_id: int) -> bool:
    """A lab or admin member of the owning institution (or a platform admin)."""
    if is_admin(user):
        return True
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.institution_id == owner_id
        and getattr(user, "role", "") in RESPONSIBLE_ROLES
    )


def reviews_for(user: Any) -> QuerySet[IntervalReview]:
    return IntervalReview.objects.visible_to(user).select_related("owner")


def groups_for(user: Any, owner: Institution) -> list[dict[str, Any]]:
    """Groups (maker, model, regulation) of the owner's instruments with certificates."""
    if not is_responsible(user, owner.pk):
        raise PermissionError("only the owner's laboratory staff review intervals")
    rows = (
        Certificate.objects.filter(instrument__owner=owner)
        .values("instrument__maker", "instrument__model", "regulation")
        .annotate(instruments=Count("instrument", distinct=True), certificates=Count("id"))
        .order_by("instrument__maker", "instrument__model", "regulation")
    )
    return [
        {
            "maker": r["instrument__maker"],
            "model": r["instrument__model"],
            "regulation": r["regulation"],
            "instruments": r["instruments"],
            "certificates": r["certificates"],
        }
        for r in rows
    ]


@dataclass(frozen=True)
class History:
    instrument_ids: list[int]
    observations: list[tuple[int, int]]  # (days since previous calibration, in tolerance)


def _as_found(cert: Certificate) -> int | None:
    found = rules()["as_found"]
    if cert.kind == Certificate.Kind.NOTICE:
        return int(found["notice_kind"])
    value = found.get(cert.conclusion)
    return None if value is None else int(value)


def history(owner: Institution, maker: str, model: str, regulation: str) -> History:
    """Consecutive calibrations of every instrument of the group: time between them and
    the as-found verdict of the later one. Amended certificates count by their amendment."""
    instruments = Instrument.objects.filter(owner=owner, maker=maker, model=model)
    certs = (
        Certificate.objects.filter(instrument__in=instruments, regulation=regulation)
        .filter(amended_by__isnull=True)
        .order_by("instrument_id", "calibration_date", "id")
    )
    by_instrument: dict[int, list[Certificate]] = defaultdict(list)
    for cert in certs:
        by_instrument[cert.instrument_id].append(cert)
    observations: list[tuple[int, int]] = []
    for chain in by_instrument.values():
        for prev, cur in itertools.pairwise(chain):
            days = (cur.calibration_date - prev.calibration_date).days
            verdict = _as_found(cur)
            if days > 0 and verdict is not None:
                observations.append((days, verdict))
    return History(sorted(by_instrument), observations)


def _bins(observations: list[tuple[int, int]]) -> BinnedReliability | None:
    width = float(rules()["s2"]["bin_days"])
    groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for days, ok in observations:
        groups[math.floor(days / width)].append((days, ok))
    if len(groups) < 2:
        return None
    keys = sorted(groups)
    t = tuple(sum(d for d, _ in groups[k]) / len(groups[k]) for k in keys)
    n = tuple(len(groups[k]) for k in keys)
    r = tuple(sum(ok for _, ok in groups[k]) / len(groups[k]) for k in keys)
    return BinnedReliability(t, n, r)


def _field_error(exc: StatsInputError, default: str) -> ValidationError:
    return ValidationError({exc.field or default: [exc.reason]})


def create_review(
    user: Any,
    owner: Institution,
    *,
    maker: str,
    model: str,
    regulation: str,
    current_interval_days: int | None = None,
    target: float | None = None,
) -> IntervalReview:
    """Run A3 (and S2 when there are enough observations in ≥ 2 bins) on the group."""
    if not is_responsible(user, owner.pk):
        raise PermissionError("only the owner's laboratory staff review intervals")
    cfg = rules()
    goal = float(cfg["a3"]["target"]) if target is None else float(target)
    hist = history(owner, maker, model, regulation)
    if not hist.observations:
        raise ValidationError(
            {"model": ["no consecutive calibrations with an as-found verdict in this group"]}
        )
    if current_interval_days is None:
        assigned = set(
            Instrument.objects.filter(pk__in=hist.instrument_ids).values_list(
                "interval_days", flat=True
            )
        )
        if len(assigned) != 1 or None in assigned:
            raise ValidationError(
                {"current_interval_days": ["the group has no common interval; give it"]}
            )
        current_interval_days = int(assigned.pop())  # type: ignore[arg-type]
    if current_interval_days <= 0:
        raise ValidationError({"current_interval_days": ["must be a number of days > 0"]})
    window = float(cfg["a3"]["window"]) * current_interval_days
    at_interval = [ok for d, ok in hist.observations if abs(d - current_interval_days) <= window]
    if not 0.0 < goal < 1.0:
        raise ValidationError({"target": ["must lie strictly between 0 and 1"]})
    a3: dict[str, Any] | None = None
    recommended: int | None = None
    if at_interval:
        try:
            a3 = interval_a3(at_interval, float(current_interval_days), goal).to_dict()
        except StatsInputError as exc:
            raise _field_error(exc, "target") from exc
        recommended = int(a3["interval"])
    bins = _bins(hist.observations)
    s2_data: dict[str, Any] | None = None
    s2_error = ""
    png: bytes | None = None
    if bins is None:
        s2_error = "Method S2 needs resubmission times in at least 2 bins"
    elif len(hist.observations) < int(cfg["s2"]["min_observations"]):
        s2_error = f"Method S2 needs at least {cfg['s2']['min_observations']} observations"
    else:
        try:
            s2 = interval_s2(bins, goal)
        except StatsInputError as exc:
            s2_error = exc.reason
        else:
            s2_data = {
                "best_model": s2.best_model,
                "interval": s2.interval,
                "models": [
                    {
                        "model": f.model,
                        "theta": list(f.theta),
                        "interval": f.interval,
                        "rejection_confidence": f.rejection_confidence,
                        "accepted": f.accepted,
                        "figure_of_merit": f.figure_of_merit,
                        "interval_range": list(f.interval_range),
                    }
                    for f in s2.models
                ],
            }
            if s2.interval is not None:
                recommended = math.floor(s2.interval + 0.5)
            buf = io.BytesIO()
            plot_reliability(s2, bins).savefig(buf, format="png", dpi=100)
            png = buf.getvalue()
    if recommended is None:
        raise ValidationError(
            {
                "current_interval_days": [
                    f"no resubmission near the current interval for A3, and {s2_error}"
                ]
            }
        )
    return IntervalReview.objects.create(
        owner=owner,
        maker=maker,
        model=model,
        regulation=regulation,
        current_interval_days=current_interval_days,
        target=goal,
        instrument_ids=hist.instrument_ids,
        observations=[list(o) for o in hist.observations],
        bins=None
        if bins is None
        else {"t": list(bins.t), "n": list(bins.n), "r": list(bins.observed_reliability)},
        a3=a3,
        s2=s2_data,
        s2_error=s2_error,
        recommended_days=recommended,
        plot_png=png,
        created_by=user,
        created_at=timezone.now(),
    )


@transaction.atomic
def accept(
    user: Any, review: IntervalReview, *, reason: str, days: int | None = None
) -> IntervalReview:
    """The responsible person accepts (possibly a different number of days, with a reason);
    every instrument of the group then gets the interval, which drives its due date."""
    review = IntervalReview.objects.select_for_update().get(pk=review.pk)
    if not is_responsible(user, review.owner_id):
        raise PermissionError("only the owner's laboratory staff accept an interval")
    if review.state != IntervalReview.State.PROPOSED:
        raise ValidationError({"state": ["this review was already accepted"]})
    if not reason.strip():
        raise ValidationError({"reason": ["say why the interval is accepted"]})
    chosen = review.recommended_days if days is None else int(days)
    if chosen <= 0:
        raise ValidationError({"days": ["must be a number of days > 0"]})
    for instrument in Instrument.objects.filter(pk__in=review.instrument_ids, owner=review.owner):
        instrument.interval_days = chosen
        instrument.save(update_fields=["interval_days"])
    review.state = IntervalReview.State.ACCEPTED
    review.accepted_by = user
    review.accepted_at = timezone.now()
    review.accepted_days = chosen
    review.reason = reason.strip()
    review.save()
    return review
