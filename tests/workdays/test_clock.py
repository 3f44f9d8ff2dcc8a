"""The working-day clock against the State Council's published schedules.

Expected dates are counted by hand from the notices' text (quoted per test), never from
chinese-calendar. Convention (docs/deadline.md): the start day is not counted; a pause
FROM:TO stops the clock on both days and every day between.

2025 schedule: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号 (2024-11-12):
  春节 1月28日(周二)至2月4日(周二)放假调休, 1月26日(周日)、2月8日(周六)上班;
  国庆节、中秋节 10月1日(周三)至8日(周三)放假调休, 9月28日(周日)、10月11日(周六)上班.
2026 schedule: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04):
  春节 2月15日(周日)至23日(周一)放假调休, 2月14日(周六)、2月28日(周六)上班;
  中秋节 9月25日(周五)至27日(周日); 国庆节 10月1日(周四)至7日(周三)放假调休,
  9月20日(周日)、10月10日(周六)上班.
"""

from __future__ import annotations

import datetime as dt

import pytest

import jiliang.workdays as wd
from jiliang.workdays import (
    CalendarError,
    Pause,
    add_working_days,
    is_working_day,
    parse_pause,
    remaining_working_days,
    working_days_between,
)

D = dt.date


def test_exported_members() -> None:
    assert set(wd.__all__) == {
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
    }


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 1, 26), True),  # Sunday, 调休上班
        (D(2025, 1, 28), False),  # 除夕, first day off
        (D(2025, 2, 4), False),  # last day off
        (D(2025, 2, 8), True),  # Saturday, 调休上班
        (D(2025, 2, 9), False),  # ordinary Sunday
        (D(2025, 9, 28), True),  # Sunday, 调休上班
        (D(2025, 10, 8), False),  # last day of the 8-day break
        (D(2025, 10, 11), True),  # Saturday, 调休上班
        (D(2026, 2, 14), True),  # Saturday, 调休上班
        (D(2026, 2, 23), False),  # Monday, last day off
        (D(2026, 2, 28), True),  # Saturday, 调休上班
        (D(2026, 9, 20), True),  # Sunday, 调休上班
        (D(2026, 9, 25), False),  # Friday, 中秋节
        (D(2026, 10, 10), True),  # Saturday, 调休上班
    ],
)
def test_official_days(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_spring_festival_2025() -> None:
    # Fri 2025-01-24; Sat 25 off; Sun 26 works (1); Mon 27 (2); 28 Jan - 4 Feb off; Wed 5 (3)
    assert add_working_days(D(2025, 1, 24), 3).due == D(2025, 2, 5)
    # Wed 2025-02-05: Thu 6 (1), Fri 7 (2), Sat 8 works (3)
    assert add_working_days(D(2025, 2, 5), 3).due == D(2025, 2, 8)


def test_national_day_2025() -> None:
    # Fri 2025-09-26: Sat 27 off; Sun 28 (1); Mon 29 (2); Tue 30 (3); 1-8 Oct off;
    # Thu 9 (4); Fri 10 (5)
    assert add_working_days(D(2025, 9, 26), 5).due == D(2025, 10, 10)
    # and one more lands on the adjusted Saturday 11 Oct
    assert add_working_days(D(2025, 9, 26), 6).due == D(2025, 10, 11)


def test_spring_festival_2026() -> None:
    # Fri 2026-02-13: Sat 14 works (1); 15-23 off; Tue 24 (2)
    assert add_working_days(D(2026, 2, 13), 1).due == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2).due == D(2026, 2, 24)
    # Tue 24 (1) ... Fri 27 (4), Sat 28 works (5)
    assert add_working_days(D(2026, 2, 23), 5).due == D(2026, 2, 28)


def test_national_day_2026() -> None:
    # Fri 2026-09-18: Sat 19 off; Sun 20 works (1); Mon 21 - Thu 24 (2-5)
    assert add_working_days(D(2026, 9, 18), 5).due == D(2026, 9, 24)
    # Thu 24 -> Fri 25 - Sun 27 中秋 off; Mon 28 (1); Tue 29 (2); Wed 30 (3); 1-7 Oct off;
    # Thu 8 (4); Fri 9 (5); Sat 10 works (6)
    assert add_working_days(D(2026, 9, 24), 6).due == D(2026, 10, 10)


def test_twenty_working_days_over_national_day_2025() -> None:
    # Mon 2025-09-15: 16-19 (4), 22-26 (9), Sun 28 (10), 29-30 (12), 9-10 Oct (14),
    # Sat 11 (15), 13-17 (20)
    assert add_working_days(D(2025, 9, 15), 20).due == D(2025, 10, 17)


def test_zero_days_is_the_start() -> None:
    assert add_working_days(D(2025, 1, 28), 0).due == D(2025, 1, 28)


def test_pause_stops_and_resumes() -> None:
    # Mon 2025-03-03, no holiday in March: 4-7 (4), 10-14 (9), 17 (10)
    assert add_working_days(D(2025, 3, 3), 10).due == D(2025, 3, 17)
    # 补正: the clock stops Mon 10 - Fri 14 (both included): 4-7 (4), 17-21 (9), 24 (10)
    paused = add_working_days(D(2025, 3, 3), 10, [Pause(D(2025, 3, 10), D(2025, 3, 14))])
    assert paused.due == D(2025, 3, 24)
    # a pause over a weekend costs nothing
    weekend = add_working_days(D(2025, 3, 3), 10, [Pause(D(2025, 3, 8), D(2025, 3, 9))])
    assert weekend.due == D(2025, 3, 17)


def test_pause_ending_before_an_adjusted_saturday() -> None:
    # Mon 2025-01-20: Tue 21 (1); clock stopped 22 Jan - 7 Feb; it resumes on the working
    # Saturday 8 Feb (2); Mon 10 (3), Tue 11 (4), Wed 12 (5)
    due = add_working_days(D(2025, 1, 20), 5, [parse_pause("2025-01-22:2025-02-07")]).due
    assert due == D(2025, 2, 12)


def test_overlapping_pauses_merge() -> None:
    result = add_working_days(
        D(2025, 3, 3),
        10,
        [Pause(D(2025, 3, 12), D(2025, 3, 14)), Pause(D(2025, 3, 10), D(2025, 3, 12))],
    )
    assert result.pauses == (Pause(D(2025, 3, 10), D(2025, 3, 14)),)
    assert result.due == D(2025, 3, 24)


def test_counting_between_and_remaining() -> None:
    # (24 Jan, 5 Feb]: Sun 26, Mon 27, Wed 5 Feb
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 5)) == 3
    # seen from Sat 8 Feb, due Wed 5 Feb: overdue by Thu 6, Fri 7, Sat 8 (working)
    assert remaining_working_days(D(2025, 2, 8), D(2025, 2, 5)) == -3
    assert remaining_working_days(D(2025, 2, 5), D(2025, 2, 5)) == 0


def test_unknown_year_refused_or_assumed() -> None:
    first, last = wd.known_years()
    beyond = D(last + 1, 1, 1)
    with pytest.raises(CalendarError, match=f"no official calendar for {last + 1}"):
        add_working_days(D(last, 12, 28), 10)
    result = add_working_days(beyond, 5, assume_weekdays=True)
    assert result.assumed_weekdays == (last + 1,)
    assert result.warning is not None and str(last + 1) in result.warning
    # Monday-Friday counted: 5 weekdays after any day of a week end on the same weekday
    # one week later when the start is a weekday
    start = beyond + dt.timedelta(days=(7 - beyond.weekday()) % 7)  # a Monday
    assert add_working_days(start, 5, assume_weekdays=True).due == start + dt.timedelta(7)
    assert first <= 2025 <= last


def test_bad_input() -> None:
    with pytest.raises(CalendarError, match="ends before it starts"):
        parse_pause("2025-03-10:2025-03-01")
    with pytest.raises(CalendarError, match="not a date"):
        parse_pause("2025-03-10:tomorrow")
    with pytest.raises(CalendarError, match="FROM:TO"):
        parse_pause("2025-03-10")
    with pytest.raises(CalendarError, match="not in 0"):
        add_working_days(D(2025, 3, 3), -1)
    with pytest.raises(CalendarError, match="not in 0"):
        add_working_days(D(2025, 3, 3), 10**6)


def test_same_days_as_the_package_for_every_known_year() -> None:
    """The clock reads chinese-calendar's tables directly (its is_workday is slow); both
    must say the same of every day the package knows."""
    import chinese_calendar

    first, last = wd.known_years()
    day = D(first, 1, 1)
    while day <= D(last, 12, 31):
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
