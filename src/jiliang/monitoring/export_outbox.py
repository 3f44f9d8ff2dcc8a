"""Export to a provincial platform: daily figures → messages (core) → outbox → POST until
acknowledged (docs/energy-export.md).

The figures are the core's daily quantities of every point of the user (sub-meters too: the
platform receives the secondary units as well), by the same evaluation as the dashboard and
the MRV reports (`accounting.evaluate_user`). A message is stored before it is sent; a run
sends, in day order, every message of the user and profile that is not acknowledged yet and
stops at the first failure, which stays recorded on the row for the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiliang.energy.export import (
    CST,
    Figure,
    Message,
    Outcome,
    Profile,
    build_messages,
    post,
    quality_of,
)
from jiliang.monitoring.export_models import ProvincialExport
from jiliang.monitoring.models import EnergyUser

MAX_DAYS = 366  # one run covers at most a year of days


@dataclass
class Queued:
    """What storing a run's messages did: new rows, and rows that were already there."""

    new: list[ProvincialExport] = field(default_factory=list)
    known: list[ProvincialExport] = field(default_factory=list)


@dataclass
class Delivery:
    """What a sending run did: acknowledged rows, the row that failed (if any) and its
    outcome, and how many unacknowledged rows were left for the next run."""

    acknowledged: list[ProvincialExport] = field(default_factory=list)
    failed: ProvincialExport | None = None
    outcome: Outcome | None = None
    left: int = 0


def daily_figures(energy_user: EnergyUser, start: dt.date, end: dt.date) -> list[Figure]:
    """One figure per point and day of [start, end], labelled with the day's 00:00 (+08:00),
    with the quality category of its VEE flags."""
    from jiliang.monitoring.accounting import evaluate_user

    result: dict[str, Any] = evaluate_user(energy_user, start, end, purchased_only=False)
    figures = []
    for code, point in result["points"].items():
        for day in point["days"]:
            figures.append(
                Figure(
                    point=code,
                    variety=point["variety"],
                    kind="day",
                    start=dt.datetime.combine(dt.date.fromisoformat(day["day"]), dt.time(), CST),
                    value=float(day["quantity"]),
                    unit=point["unit"],
                    quality=quality_of(
                        day["flags"], estimated=day["estimated"], quantity=day["quantity"]
                    ),
                )
            )
    return figures


def interval_figures(
    energy_user: EnergyUser, start: dt.date, end: dt.date, profile: Profile
) -> tuple[list[Figure], list[str]]:
    """The validated interval figures (15/30/60 min, `jiliang.energy.validated_series`) of
    the points whose variety has an interval code in the profile, and the points left out.
    A register's last period (no next reading yet) has no quantity and is not reported."""
    import tempfile
    from pathlib import Path

    from jiliang.energy import parse_site, validated_series
    from jiliang.monitoring.accounting import export_readings, site_document

    document = site_document(energy_user, start, end, purchased_only=False)
    wanted = [p for p in document["points"] if (p["variety"], "interval") in profile.items]
    left_out = sorted(p["id"] for p in document["points"] if p not in wanted)
    if not wanted:
        return [], left_out
    document["points"] = wanted
    site = parse_site(document)
    with tempfile.TemporaryDirectory(prefix="jiliang-export-") as tmp:
        path = Path(tmp) / "readings.parquet"
        export_readings(energy_user, start, end, path, [p["id"] for p in wanted])
        table = validated_series(site, path)
    meta = {p["id"]: p for p in wanted}
    figures = []
    for row in table.select(["point", "time", "quantity", "flags", "estimated"]).to_pylist():
        if row["quantity"] is None:
            continue
        point = meta[row["point"]]
        flags = list(row["flags"]) + (["estimated"] if row["estimated"] else [])
        figures.append(
            Figure(
                point=row["point"],
                variety=point["variety"],
                kind="interval",
                start=row["time"],
                value=float(row["quantity"]),
                unit=point["unit"],
                quality=quality_of(flags),
            )
        )
    return figures, left_out


def messages(
    energy_user: EnergyUser,
    profile: Profile,
    start: dt.date,
    end: dt.date,
    *,
    interval: bool = False,
) -> tuple[list[Message], list[str]]:
    """The messages of the user's daily figures over [start, end] under the profile (and, with
    ``interval``, its interval figures), with the points left out of the interval figures."""
    figures = daily_figures(energy_user, start, end)
    left_out: list[str] = []
    if interval:
        more, left_out = interval_figures(energy_user, start, end, profile)
        figures += more
    return build_messages(profile, energy_user.code, figures), left_out


def queue(energy_user: EnergyUser, profile: Profile, built: list[Message]) -> Queued:
    """Store the messages that are not in the outbox yet (same id: same content, kept)."""
    out = Queued()
    with transaction.atomic():
        for message in built:
            row, created = ProvincialExport.objects.get_or_create(
                user=energy_user,
                profile=profile.name,
                message_id=message.message_id,
                defaults={
                    "schema_version": profile.schema_version,
                    "day": message.day,
                    "count": message.count,
                    "body": message.body.decode("utf-8"),
                },
            )
            (out.new if created else out.known).append(row)
    return out


def unacknowledged(energy_user: EnergyUser, profile: Profile) -> list[ProvincialExport]:
    """The user's messages under the profile still to send, oldest day first."""
    rows = ProvincialExport.objects.filter(
        user=energy_user,
        profile=profile.name,
        state__in=[ProvincialExport.State.PENDING, ProvincialExport.State.SENT],
    )
    return list(rows.order_by("day", "created", "id"))


def deliver(
    energy_user: EnergyUser,
    profile: Profile,
    endpoint: str,
    *,
    token: str = "",
    timeout: float = 30.0,
) -> Delivery:
    """POST every unacknowledged message in day order until one fails. A row is marked sent
    (and its attempt counted) before its POST, so a crash mid-request leaves it to resend;
    the platform stores a resend once because the id is the same."""
    done = Delivery()
    rows = unacknowledged(energy_user, profile)
    for index, row in enumerate(rows):
        row.state = ProvincialExport.State.SENT
        row.attempts += 1
        row.sent_at = timezone.now()
        row.endpoint = endpoint[:300]
        row.save(update_fields=["state", "attempts", "sent_at", "endpoint"])
        outcome = post(
            profile,
            endpoint,
            row.message_id,
            row.body.encode("utf-8"),
            token=token,
            timeout=timeout,
        )
        row.response = outcome.response[:300]
        if outcome.acknowledged:
            row.state = ProvincialExport.State.ACKNOWLEDGED
            row.acknowledged_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["state", "acknowledged_at", "last_error", "response"])
            done.acknowledged.append(row)
            continue
        row.last_error = outcome.error[:400]
        row.save(update_fields=["last_error", "response"])
        done.failed, done.outcome = row, outcome
        done.left = len(rows) - index
        break
    return done
