"""Working-day arithmetic under China's official calendar (holidays and adjusted working
days 调休, from the maintained `chinese-calendar` package). Pure library: no Django.

Why a package and not a hand-written list: the State Council publishes each year's
schedule in November; `chinese-calendar` tracks those notices, so a new year arrives as a
dependency update. A year the package does not know is refused (`CalendarError`) unless the
caller asks to assume Monday-Friday, and then the result says which years were assumed.
"""

from __future__ import annotations

from jiliang.workdays._calendar import (
    CalendarError,
    calendar_name,
    calendar_version,
    is_working_day,
    known_years,
)
from jiliang.workdays._clock import (
    MAX_WORKING_DAYS,
    Deadline,
    Pause,
    add_working_days,
    parse_pause,
    remaining_working_days,
    working_days_between,
)

__all__ = [
    "MAX_WORKING_DAYS",
    "CalendarError",
    "Deadline",
    "Pause",
    "add_working_days",
    "calendar_name",
    "calendar_version",
    "is_working_day",
    "known_years",
    "parse_pause",
    "remaining_working_days",
    "working_days_between",
]
