"""The meter's legal state on each day, from the registry's certificates of its instrument.

Why here and not in the core: the certificates are in the registry. The core's VEE takes the
result as plain intervals per point and flags readings outside `verified` intervals as
`meter_not_verified` (issue 14 §3).

States, per day d (the same rules as the registry's due dates, `registry.services`):
- `verified`: the last certificate dated on or before d passed (pass or calibrated) and d is
  before its due date (`valid_until`, or calibration date + the accepted interval);
- `overdue`: the last passing certificate's due date is on or before d, or none passed yet;
- `failed`: the last certificate dated on or before d failed;
- `unregistered`: the point names no registered instrument.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from jiliang.registry.models import Certificate, Instrument
from jiliang.registry.services import PASSING, _certificate_due

STATES = ("verified", "overdue", "failed", "unregistered")


@dataclass(frozen=True)
class LegalInterval:
    """[start, end) in days; end None means open. `certificate` is the deciding one."""

    start: dt.date
    end: dt.date | None
    state: str
    certificate: str = ""
    due: dt.date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "state": self.state,
            "certificate": self.certificate,
            "due": self.due.isoformat() if self.due else None,
        }


def intervals_for(instrument: Instrument | None) -> list[LegalInterval]:
    """The instrument's whole history as consecutive intervals from its first certificate."""
    if instrument is None:
        return [LegalInterval(dt.date.min, None, "unregistered")]
    certs = list(
        Certificate.objects.filter(instrument=instrument)
        .order_by("calibration_date", "id")
        .values_list("number", "calibration_date", "valid_until", "conclusion")
    )
    return _intervals(certs, instrument.interval_days)


def _intervals(
    certs: Iterable[tuple[str, dt.date, dt.date | None, str]], interval_days: int | None
) -> list[LegalInterval]:
    """Walk the certificates in date order; each one decides until the next one (only the
    last one can leave its verified window open: no due date and no successor)."""
    out: list[LegalInterval] = []
    cursor: dt.date | None = dt.date.min
    after: tuple[str, str, dt.date | None] = ("overdue", "", None)  # never verified yet
    events = list(certs)
    for i, (number, day, valid_until, conclusion) in enumerate(events):
        if cursor is not None and day > cursor:
            _close(out, cursor, day, after)
        cursor = day
        nxt = events[i + 1][1] if i + 1 < len(events) else None
        if conclusion in PASSING:
            due = _certificate_due(day, valid_until, interval_days)
            ends = [d for d in (due, nxt) if d is not None]
            until = min(ends) if ends else None
            _close(out, day, until, ("verified", number, due))
            cursor = until
            after = ("overdue", number, due)
        else:
            after = ("failed", number, None)
    if cursor is not None:
        _close(out, cursor, None, after)
    return _merge(out)


def _close(
    out: list[LegalInterval],
    start: dt.date,
    end: dt.date | None,
    state: tuple[str, str, dt.date | None],
) -> None:
    if end is not None and end <= start:
        return
    out.append(LegalInterval(start, end, state[0], state[1], state[2]))


def _merge(items: list[LegalInterval]) -> list[LegalInterval]:
    merged: list[LegalInterval] = []
    for item in items:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.state == item.state
            and last.certificate == item.certificate
            and last.end == item.start
        ):
            merged[-1] = LegalInterval(last.start, item.end, last.state, last.certificate, last.due)
        else:
            merged.append(item)
    return merged


def state_on(intervals: list[LegalInterval], day: dt.date) -> LegalInterval:
    """The interval that holds `day` (the histories above cover every day)."""
    for item in intervals:
        if item.start <= day and (item.end is None or day < item.end):
            return item
    return LegalInterval(day, None, "overdue")


_CLASS = re.compile(r"(\d+(?:\.\d+)?)")


def accuracy_percent(instrument: Instrument | None) -> float | None:
    """The accuracy class as a percentage (class 0.5S → 0.5 %), from the instrument's last
    certificate that states one, else the instrument's own record; None if unknown."""
    if instrument is None:
        return None
    stated = (
        Certificate.objects.filter(instrument=instrument)
        .exclude(accuracy_class="")
        .order_by("-calibration_date", "-id")
        .values_list("accuracy_class", flat=True)
        .first()
    ) or instrument.accuracy_class
    match = _CLASS.search(stated or "")
    return float(match.group(1)) if match else None
