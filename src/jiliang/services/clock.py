"""The clock of an application: due date, remaining working days, pauses, on-time rate.

Derived from the events (never typed): the clock starts on the day of acceptance (not
counted, jiliang.workdays), and each step the kind marks `stops_clock` pauses it from the
day it was opened to the day it was closed, both included (docs/deadline.md). A pause still
open runs to today. Pages assume Monday-Friday for a year the calendar does not know, and
say so (`assumed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jiliang.services import kinds
from jiliang.services.models import Application, Event
from jiliang.workdays import Pause, add_working_days, remaining_working_days

# A pause opens with the first action and closes with the second.
PAUSE_PAIRS = {"correct": "resubmit", "assign": "result"}
OPEN_STATES = ("submitted", "correction", "accepted", "evaluation", "review")


@dataclass(frozen=True)
class Clock:
    due: dt.date | None
    remaining: int | None
    paused_since: dt.date | None
    pauses: tuple[Pause, ...]
    assumed: tuple[int, ...]

    @property
    def overdue(self) -> bool:
        return self.remaining is not None and self.remaining < 0


def pauses_of(
    application: Application, events: Iterable[Event], today: dt.date
) -> tuple[tuple[Pause, ...], dt.date | None]:
    """The pauses of the kind's clock-stopping steps and the day an open one began."""
    kind = kinds.kind(application.kind)
    opened: dict[str, dt.date] = {}
    pauses: list[Pause] = []
    for event in events:
        if event.action in PAUSE_PAIRS:
            step = "result" if event.action == "assign" else "correct"
            if kind.stops_clock(step):
                opened[event.action] = event.on
        for start, end in PAUSE_PAIRS.items():
            if event.action == end and start in opened:
                pauses.append(Pause(opened.pop(start), event.on))
    paused_since = min(opened.values()) if opened else None
    for since in opened.values():
        pauses.append(Pause(since, max(since, today)))
    return tuple(pauses), paused_since


def clock(application: Application, today: dt.date, events: list[Event] | None = None) -> Clock:
    """Due date and remaining working days (None before acceptance or for no time limit)."""
    if application.accepted_on is None:
        return Clock(None, None, None, (), ())
    evs = events if events is not None else list(application.events.all())
    pauses, since = pauses_of(application, evs, today)
    limit = kinds.kind(application.kind).time_limit
    deadline = add_working_days(application.accepted_on, limit, pauses, assume_weekdays=True)
    if application.state not in OPEN_STATES:
        return Clock(deadline.due, None, None, deadline.pauses, deadline.assumed_weekdays)
    left = remaining_working_days(today, deadline.due, pauses)
    return Clock(deadline.due, left, since, deadline.pauses, deadline.assumed_weekdays)


def on_time(application: Application, events: list[Event] | None = None) -> bool | None:
    """Whether a decided case was decided by its due date (None: not decided/accepted)."""
    if application.decided_on is None or application.accepted_on is None:
        return None
    found = clock(application, application.decided_on, events)
    return found.due is not None and application.decided_on <= found.due
