"""Deadlines in working days, with pauses (clock stopped) and unknown-year handling.

Conventions (docs/deadline.md):
- The start day is not counted: the first day counted is the day after START (the rule of
  periods in 行政许可法 Art. 82 and 民法典 Art. 201: a period counted in days starts the
  next day). N working days after START is the N-th working day after it.
- A pause FROM:TO stops the clock on every day from FROM to TO, both included: a working
  day inside a pause is not counted. Pauses may overlap; they are merged.
- Working days are those of the official calendar (jiliang.workdays._calendar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jiliang.workdays._calendar import (
    CalendarError,
    calendar_name,
    calendar_version,
    is_known,
    is_working_day,
)

__all__ = [
    "MAX_WORKING_DAYS",
    "Deadline",
    "Pause",
    "add_working_days",
    "parse_pause",
    "remaining_working_days",
    "working_days_between",
]

MAX_WORKING_DAYS = 2500  # about ten years: no legal time limit is longer
_MAX_SPAN_DAYS = 40 * 366  # a bounded walk even with long pauses


@dataclass(frozen=True, order=True)
class Pause:
    """The clock stopped from `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise CalendarError(f"pause {self.start}:{self.end}: ends before it starts")

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}"


@dataclass(frozen=True)
class Deadline:
    """A due date and how it was computed (the JSON of `jiliang deadline`)."""

    start: dt.date
    working_days: int
    pauses: tuple[Pause, ...]
    due: dt.date
    calendar: str
    calendar_version: str
    assumed_weekdays: tuple[int, ...] = field(default=())

    @property
    def warning(self) -> str | None:
        if not self.assumed_weekdays:
            return None
        years = ", ".join(str(y) for y in self.assumed_weekdays)
        return f"no official calendar for {years}: Monday-Friday assumed"

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "pauses": [{"from": p.start.isoformat(), "to": p.end.isoformat()} for p in self.pauses],
            "due": self.due.isoformat(),
            "calendar": self.calendar,
            "calendar_version": self.calendar_version,
            "assumed_weekdays": list(self.assumed_weekdays),
            "warning": self.warning,
        }


def parse_pause(text: str) -> Pause:
    """`YYYY-MM-DD:YYYY-MM-DD` -> Pause; CalendarError naming what is wrong."""
    parts = text.split(":")
    if len(parts) != 2:
        raise CalendarError(f"pause {text!r}: expected FROM:TO, e.g. 2025-02-10:2025-02-14")
    days = []
    for part in parts:
        try:
            days.append(dt.date.fromisoformat(part.strip()))
        except ValueError:
            raise CalendarError(f"pause {text!r}: {part!r} is not a date YYYY-MM-DD") from None
    return Pause(days[0], days[1])


def _merged(pauses: Iterable[Pause]) -> tuple[Pause, ...]:
    out: list[Pause] = []
    for pause in sorted(pauses):
        if out and pause.start <= out[-1].end + dt.timedelta(days=1):
            if pause.end > out[-1].end:
                out[-1] = Pause(out[-1].start, pause.end)
        else:
            out.append(pause)
    return tuple(out)


def _counts(day: dt.date, pauses: Sequence[Pause], assume: bool, assumed: set[int]) -> bool:
    if any(p.covers(day) for p in pauses):
        return False
    if not is_known(day):
        assumed.add(day.year)
    return is_working_day(day, assume_weekdays=assume)


def add_working_days(
    start: dt.date,
    working_days: int,
    pauses: Iterable[Pause] = (),
    *,
    assume_weekdays: bool = False,
) -> Deadline:
    """The day on which `working_days` counted working days after `start` have elapsed."""
    if isinstance(working_days, bool) or not isinstance(working_days, int):
        raise CalendarError("working days: an integer")
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise CalendarError(f"working days: {working_days} is not in 0..{MAX_WORKING_DAYS}")
    merged = _merged(pauses)
    assumed: set[int] = set()
    day, counted = start, 0
    limit = start + dt.timedelta(days=_MAX_SPAN_DAYS)
    while counted < working_days:
        day += dt.timedelta(days=1)
        if day > limit:
            raise CalendarError("the pauses stop the clock for more than 40 years")
        if _counts(day, merged, assume_weekdays, assumed):
            counted += 1
    return Deadline(
        start,
        working_days,
        merged,
        day,
        calendar_name(),
        calendar_version(),
        tuple(sorted(assumed)),
    )


def working_days_between(
    start: dt.date,
    end: dt.date,
    pauses: Iterable[Pause] = (),
    *,
    assume_weekdays: bool = False,
) -> int:
    """Counted working days in (start, end]: the start day excluded, as in add_working_days;
    negative when `end` is before `start`."""
    if end == start:
        return 0
    if (end - start).days > _MAX_SPAN_DAYS or (start - end).days > _MAX_SPAN_DAYS:
        raise CalendarError("span longer than 40 years")
    merged = _merged(pauses)
    low, high, sign = (start, end, 1) if end > start else (end, start, -1)
    day, counted, assumed = low, 0, set[int]()
    while day < high:
        day += dt.timedelta(days=1)
        if _counts(day, merged, assume_weekdays, assumed):
            counted += 1
    return sign * counted


def remaining_working_days(
    today: dt.date, due: dt.date, pauses: Iterable[Pause] = (), *, assume_weekdays: bool = True
) -> int:
    """Working days left until `due` seen from `today` (0 on the due day, negative when
    overdue). Shown on pages, so an unknown year is assumed Monday-Friday by default."""
    return working_days_between(today, due, pauses, assume_weekdays=assume_weekdays)
