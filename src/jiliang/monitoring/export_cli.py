"""`jiliang energy export`: build, store and send messages to a provincial platform;
`jiliang energy export-withdraw`: withdraw one stored message.

Called by the commands in `jiliang.cli.energy` (which only parse options). Every refusal is
one line on stderr with exit 2 and nothing stored; a delivery that was not acknowledged, or a
message the platform refused in this run, is exit 1 (the unacknowledged messages stay in the
outbox and the next run resends them; a refused one waits for an operator).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class Refused(Exception):
    """A bad option or input: the message names it; nothing was stored or sent."""


def _day(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{option} {value!r}: a date YYYY-MM-DD") from None


def _period(start: str, end: str) -> tuple[dt.date, dt.date] | None:
    from jiliang.cli.platform_commands import setup_django

    setup_django()  # export_outbox imports the models (the command runs outside Django)
    from jiliang.monitoring.export_outbox import MAX_DAYS

    if not start and not end:
        return None
    if not start or not end:
        raise Refused("--from and --to go together (or neither: resend what is pending)")
    first, last = _day("--from", start), _day("--to", end)
    if last < first:
        raise Refused(f"--to {end} is before --from {start}")
    if (last - first).days + 1 > MAX_DAYS:
        raise Refused(f"--from {start} --to {end}: more than {MAX_DAYS} days in one run")
    return first, last


def _row(row: Any) -> dict[str, Any]:
    return {
        "message_id": row.message_id,
        "day": row.day.isoformat(),
        "count": row.count,
        "state": row.state,
        "attempts": row.attempts,
        "last_error": row.last_error,
    }


def _refusal_exits_2[**P](work: Callable[P, int]) -> Callable[P, int]:
    """A Refused raised anywhere in ``work`` is one red line on stderr and exit code 2."""

    @functools.wraps(work)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return work(*args, **kwargs)
        except Refused as exc:
            err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
            return 2

    return wrapper


@_refusal_exits_2
def run(
    *,
    user: str,
    start: str,
    end: str,
    profile_name: str,
    endpoint: str,
    token: str,
    dry_run: bool,
    as_json: bool,
    timeout: float,
    interval: bool = False,
) -> int:
    """The command's work; returns the exit code (0 all acknowledged, 1 some left, 2 refused)."""
    from jiliang.energy import EnergyError
    from jiliang.energy.export import check_endpoint, load_profile

    period = _period(start, end)
    try:
        profile = load_profile(profile_name)
        if not dry_run:
            if not endpoint:
                raise Refused(
                    "no endpoint: give --endpoint URL or set JILIANG_EXPORT_ENDPOINT"
                    " (or use --dry-run)"
                )
            check_endpoint(endpoint)
    except EnergyError as exc:
        raise Refused(str(exc)) from None
    if not profile.confirmed:
        err.print(
            f"note: profile {profile.name} is not confirmed: its codes and field names are"
            " placeholders until the platform operator's values are configured",
            highlight=False,
        )
    from jiliang.cli.platform_commands import setup_django

    setup_django()
    from jiliang.monitoring import export_outbox
    from jiliang.monitoring.models import EnergyUser

    energy_user = EnergyUser.objects.filter(code=user).select_related("institution").first()
    if energy_user is None:
        raise Refused(f"--user {user!r}: no energy user with this code")
    built: list[Any] = []
    if interval and period is None:
        raise Refused("--interval needs --from and --to")
    if period is not None:
        try:
            built, left_out = export_outbox.messages(
                energy_user, profile, *period, interval=interval
            )
        except EnergyError as exc:
            raise Refused(str(exc)) from None
        if left_out:
            err.print(
                f"note: {profile.name} has no interval code for the variety of"
                f" {', '.join(left_out)}: their interval figures are not exported",
                highlight=False,
            )
    if dry_run:
        return _dry_run(profile, built, as_json)
    queued = export_outbox.queue(energy_user, profile, built)
    delivery = export_outbox.deliver(energy_user, profile, endpoint, token=token, timeout=timeout)
    left = export_outbox.unacknowledged(energy_user, profile)
    refused = export_outbox.refused_count(energy_user, profile)
    summary = {
        "user": energy_user.code,
        "profile": profile.name,
        "schema_version": profile.schema_version,
        "endpoint": endpoint,
        "stored": len(queued.new),
        "already_stored": len(queued.known),
        "acknowledged": [_row(r) for r in delivery.acknowledged],
        "refused": [_row(r) for r in delivery.refused],
        "failed": _row(delivery.failed) if delivery.failed else None,
        "busy": _row(delivery.busy) if delivery.busy else None,
        "unacknowledged": len(left),
        "refused_total": refused,
    }
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        out.print(
            f"{energy_user.code} → {endpoint} ({profile.name}, {profile.schema_version}):"
            f" {len(queued.new)} new message(s) stored, {len(queued.known)} already stored;"
            f" {len(delivery.acknowledged)} acknowledged now, {len(delivery.refused)} refused"
            f" now, {len(left)} unacknowledged",
            highlight=False,
        )
    for row in delivery.refused:
        err.print(
            f"[red]refused:[/] message {row.message_id} ({row.day}): {row.last_error};"
            " never resent (the later days went on)",
            markup=True,
            highlight=False,
        )
    if refused:
        err.print(
            f"note: {refused} message(s) of {energy_user.code} under {profile.name} refused by the"
            " platform: fix the profile or the figures, then withdraw them with"
            " `jiliang energy export-withdraw`",
            highlight=False,
        )
    if delivery.busy is not None:
        err.print(
            f"[yellow]left to another run:[/] message {delivery.busy.message_id}"
            f" ({delivery.busy.day}) is being sent by {delivery.busy.claimed_by};"
            f" {len(left)} message(s) unacknowledged",
            markup=True,
            highlight=False,
        )
        return 1
    if delivery.failed is not None:
        err.print(
            f"[yellow]not acknowledged:[/] message {delivery.failed.message_id}"
            f" ({delivery.failed.day}): {delivery.failed.last_error}; {len(left)} message(s)"
            " kept for the next run",
            markup=True,
            highlight=False,
        )
        return 1
    return 1 if delivery.refused else 0


@_refusal_exits_2
def withdraw(*, user: str, message: str, reason: str, as_json: bool = False) -> int:
    """`export-withdraw`: withdraw one message by the rule of `export_outbox.withdraw`."""
    from jiliang.cli.platform_commands import setup_django

    setup_django()
    from jiliang.monitoring import export_outbox
    from jiliang.monitoring.models import EnergyUser

    energy_user = EnergyUser.objects.filter(code=user[:40]).first()
    if energy_user is None:
        raise Refused(f"--user {user!r}: no energy user with this code")
    try:
        row = export_outbox.withdraw(energy_user, message, reason, by=export_outbox.operator_name())
    except export_outbox.WithdrawRefused as exc:
        raise Refused(f"--{exc.field}: {exc.reason}") from None
    result = {
        **_row(row),
        "profile": row.profile,
        "withdrawn_by": row.withdrawn_by,
        "withdrawn_at": row.withdrawn_at.isoformat() if row.withdrawn_at else None,
        "reason": row.withdraw_reason,
    }
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        out.print(
            f"{energy_user.code}: message {row.message_id} ({row.day}, {row.profile}) withdrawn"
            f" by {row.withdrawn_by}; it stays in the outbox and is never sent again",
            highlight=False,
        )
    return 0


def _dry_run(profile: Any, built: list[Any], as_json: bool) -> int:
    if as_json:
        document = {
            "profile": profile.name,
            "schema_version": profile.schema_version,
            "confirmed": profile.confirmed,
            "messages": [m.document for m in built],
        }
        print(json.dumps(document, ensure_ascii=False, indent=1))
        return 0
    table = Table(title=f"would send ({profile.name}, {profile.schema_version})")
    for column in ("day", "message id", "items", "bytes"):
        table.add_column(column)
    for message in built:
        table.add_row(
            message.day.isoformat(), message.message_id, str(message.count), str(len(message.body))
        )
    out.print(table)
    return 0
