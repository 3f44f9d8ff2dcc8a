"""The official calendar: which days are working days, and which years are known."""

from __future__ import annotations

import datetime as dt
import functools
from importlib import metadata

import chinese_calendar
from chinese_calendar import constants as _constants

__all__ = ["CalendarError", "calendar_name", "calendar_version", "is_working_day", "known_years"]

_PACKAGE = "chinese-calendar"


class CalendarError(ValueError):
    """The calendar cannot answer (a year it does not know, a bad argument)."""


def calendar_name() -> str:
    """Name of the calendar source, as reported in results."""
    return _PACKAGE


@functools.cache
def calendar_version() -> str:
    """Installed version of the calendar package (part of every result: a due date is only
    as good as the schedule it was computed with)."""
    try:
        return metadata.version(_PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - a vendored copy
        return str(getattr(chinese_calendar, "__version__", "unknown"))


@functools.cache
def known_years() -> tuple[int, int]:
    """First and last year whose official schedule the package holds."""
    days = [*_constants.holidays, *_constants.workdays]
    return min(days).year, max(days).year


@functools.cache
def _tables() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Statutory holidays (with bridging days) and adjusted working days of the package."""
    return frozenset(_constants.holidays), frozenset(_constants.workdays)


def is_known(day: dt.date) -> bool:
    first, last = known_years()
    return first <= day.year <= last


def is_working_day(day: dt.date, *, assume_weekdays: bool = False) -> bool:
    """Whether `day` is a working day under the State Council's schedule.

    Adjusted working Saturdays and Sundays (调休上班) are working days; statutory holidays
    and their bridging days are not. For a year the package does not know: CalendarError,
    or Monday-Friday when `assume_weekdays` is set.
    """
    if is_known(day):
        # The package's own tables (chinese_calendar.is_workday re-validates the date against
        # min/max of its tables on every call: 0.2 ms a day, 50 ms an 80-day deadline).
        holidays, workdays = _tables()
        if day in holidays:
            return False
        return day in workdays or day.weekday() < 5
    if assume_weekdays:
        return day.weekday() < 5
    first, last = known_years()
    raise CalendarError(
        f"no official calendar for {day.year}: {_PACKAGE} {calendar_version()} knows "
        f"{first}-{last}; update the package, or assume Monday-Friday (--assume-weekdays)"
    )
