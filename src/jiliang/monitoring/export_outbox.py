"""Export to a provincial platform: daily figures → messages (core) → outbox → POST until
acknowledged (docs/energy-export.md).

The figures are the core's daily quantities of every point of the user (sub-meters too: the
platform receives the secondary units as well), by the same evaluation as the dashboard and
the MRV reports (`accounting.evaluate_user`). A message is stored before it is sent; a run
sends, in day order, every message of the user and profile that is not acknowledged yet and
stops at the first transient failure, which stays recorded on the row for the next run. A
message the platform refuses for good is marked refused and the run goes on with the later
days (the platform took nothing of that day; the days are independent messages). `withdraw`
is the one rule by which an operator withdraws a message (command and page).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q
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
SENDABLE = (ProvincialExport.State.PENDING, ProvincialExport.State.SENT)
WITHDRAWABLE = (*SENDABLE, ProvincialExport.State.REFUSED)
REASON_CHARS = 500


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
    refused: list[ProvincialExport] = field(default_factory=list)
    failed: ProvincialExport | None = None
    outcome: Outcome | None = None
    busy: ProvincialExport | None = None  # claimed by another run: the rest is left to it
    left: int = 0


class WithdrawRefused(Exception):
    """A withdrawal that was not done: ``field`` names the input, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


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
        user=energy_user, profile=profile.name, state__in=SENDABLE
    )
    return list(rows.order_by("day", "created", "id"))


def refused_count(energy_user: EnergyUser, profile: Profile) -> int:
    """How many of the user's messages under the profile the platform refused (not yet
    withdrawn by an operator)."""
    return ProvincialExport.objects.filter(
        user=energy_user, profile=profile.name, state=ProvincialExport.State.REFUSED
    ).count()


def run_name() -> str:
    """A name for this run's claims: host, process and a random part (unique per run)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _free(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim(row: ProvincialExport, runner: str, endpoint: str, lease: dt.timedelta) -> bool:
    """Claim a row for one POST: one conditional UPDATE that succeeds only while the row is
    sendable and nobody else's claim is live, and marks it sent (attempt counted) in the same
    statement. A single UPDATE ... WHERE is atomic on both databases: SQLite takes its write
    lock before evaluating the WHERE, PostgreSQL re-checks the WHERE of a row another
    transaction just updated; so of two runs exactly one gets 1 row back. No transaction is
    held during the POST, and a claim that is never released (a crashed run) expires."""
    now = timezone.now()
    taken = (
        ProvincialExport.objects.filter(pk=row.pk, state__in=SENDABLE)
        .filter(_free(now))
        .update(
            state=ProvincialExport.State.SENT,
            attempts=F("attempts") + 1,
            sent_at=now,
            endpoint=endpoint[:300],
            claimed_by=runner,
            claimed_until=now + lease,
        )
    )
    return taken == 1


def _settle(row: ProvincialExport, runner: str, outcome: Outcome) -> str:
    """Record a POST's outcome and release the claim; the state the row ends in. Only the
    claim holder writes, except an acknowledgement: that the platform stored the message is a
    fact, recorded even when the claim ran out meanwhile."""
    now = timezone.now()
    release: dict[str, Any] = {
        "claimed_by": "",
        "claimed_until": None,
        "response": outcome.response[:300],
    }
    mine = ProvincialExport.objects.filter(pk=row.pk, claimed_by=runner)
    if outcome.acknowledged:
        done = {"state": ProvincialExport.State.ACKNOWLEDGED, "acknowledged_at": now}
        if not mine.update(**done, last_error="", **release):
            ProvincialExport.objects.filter(pk=row.pk).exclude(
                state=ProvincialExport.State.ACKNOWLEDGED
            ).update(**done, last_error="")
        return ProvincialExport.State.ACKNOWLEDGED
    error = outcome.error[:400]
    if outcome.refused:
        mine.update(
            state=ProvincialExport.State.REFUSED, refused_at=now, last_error=error, **release
        )
        return ProvincialExport.State.REFUSED
    mine.update(last_error=error, **release)
    return ProvincialExport.State.SENT


def deliver(
    energy_user: EnergyUser,
    profile: Profile,
    endpoint: str,
    *,
    token: str = "",
    timeout: float = 30.0,
) -> Delivery:
    """POST every unacknowledged message in day order until one fails transiently (kept for
    the next run). A refused message is marked refused and the later days go on. Each row is
    claimed (`claim`) before its POST and released after it; a row another run holds stops
    this run (that run is sending this queue, in order), a row another run or an operator
    finished meanwhile is skipped. The claim lasts four timeouts and a minute, longer than a
    POST normally can, so a live run's claim does not run out under it."""
    done = Delivery()
    runner = run_name()
    lease = dt.timedelta(seconds=4 * timeout + 60)
    rows = unacknowledged(energy_user, profile)
    for index, row in enumerate(rows):
        if not claim(row, runner, endpoint, lease):
            row.refresh_from_db()
            if row.state in SENDABLE:
                done.busy, done.left = row, len(rows) - index
                break
            continue
        row.refresh_from_db()
        outcome = post(
            profile,
            endpoint,
            row.message_id,
            row.body.encode("utf-8"),
            token=token,
            timeout=timeout,
        )
        state = _settle(row, runner, outcome)
        row.refresh_from_db()
        if state == ProvincialExport.State.ACKNOWLEDGED:
            done.acknowledged.append(row)
        elif state == ProvincialExport.State.REFUSED:
            done.refused.append(row)
        else:
            done.failed, done.outcome = row, outcome
            done.left = len(rows) - index
            break
    return done


def operator_name() -> str:
    """Who withdraws from the command line: the login and host (``cli:LOGIN@HOST``)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = f"uid{os.getuid()}"
    return f"cli:{login}@{socket.gethostname()}"[:200]


def withdraw(
    energy_user: EnergyUser, message_id: str, reason: str, *, by: str, account: Any = None
) -> ProvincialExport:
    """The one rule for withdrawing a message (command and page): a pending, sent or refused
    message of the user is marked withdrawn with who, when and why, and is never sent again;
    it is not deleted. Refused (`WithdrawRefused`, nothing changed): an empty or too long
    reason, an unknown id, an acknowledged or already withdrawn message, a message a run is
    sending at this moment (its claim is live: withdraw after that run)."""
    reason = reason.strip()
    if not reason:
        raise WithdrawRefused("reason", "a reason is required")
    if len(reason) > REASON_CHARS:
        raise WithdrawRefused("reason", f"{len(reason)} characters, at most {REASON_CHARS}")
    found = list(ProvincialExport.objects.filter(user=energy_user, message_id=message_id[:64]))
    if not found:
        raise WithdrawRefused(
            "message", f"{message_id!r}: no message of {energy_user.code} with this id"
        )
    if len(found) > 1:
        names = ", ".join(sorted(r.profile for r in found))
        raise WithdrawRefused("message", f"{message_id}: stored under several profiles ({names})")
    row = found[0]
    now = timezone.now()
    changed = (
        ProvincialExport.objects.filter(pk=row.pk, state__in=WITHDRAWABLE)
        .filter(_free(now))
        .update(
            state=ProvincialExport.State.WITHDRAWN,
            withdrawn_at=now,
            withdrawn_by=by[:200],
            withdrawn_account=account,
            withdraw_reason=reason,
        )
    )
    row.refresh_from_db()
    if changed:
        return row
    if row.state == ProvincialExport.State.ACKNOWLEDGED:
        raise WithdrawRefused(
            "message",
            f"{row.message_id}: acknowledged by the platform on {row.acknowledged_at:%Y-%m-%d %H:%M}"
            " UTC, it cannot be withdrawn (send a corrected day instead)",
        )
    if row.state == ProvincialExport.State.WITHDRAWN:
        raise WithdrawRefused(
            "message",
            f"{row.message_id}: already withdrawn by {row.withdrawn_by}"
            f" on {row.withdrawn_at:%Y-%m-%d %H:%M} UTC",
        )
    raise WithdrawRefused(
        "message",
        f"{row.message_id}: being sent by run {row.claimed_by} right now; withdraw it after"
        " that run",
    )
