"""Rules of the measurement system, read from the versioned data files by effective date."""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def load_data(name: str) -> Any:
    """A YAML data file under jiliang/data/registry, parsed once."""
    text = resources.files("jiliang.data.registry").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)


class RuleNotInForce(LookupError):
    """No version of a rule was in force on the date asked about (before its first edition)."""

    def __init__(self, name: str, on: dt.date) -> None:
        super().__init__(f"no version of rule {name!r} is in force on {on}")
        self.name = name
        self.on = on


def rule(name: str, on: dt.date | None = None) -> dict[str, Any]:
    """The version of a rule in force on a date (the latest whose effective date ≤ on)."""
    on = on or dt.date.today()
    versions = sorted(load_data("rules.yaml")[name], key=lambda r: r["effective"])
    in_force = [r for r in versions if r["effective"] <= on]
    if not in_force:
        raise RuleNotInForce(name, on)
    return dict(in_force[-1])


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def examination_valid_until(issued_on: dt.date) -> dt.date:
    """Validity of a 计量标准考核证书 from the rule in force on its issue date."""
    years = int(rule("examination_certificate_validity", issued_on)["years"])
    return add_years(issued_on, years) - dt.timedelta(days=1)


def reexamination_reminder(valid_until: dt.date) -> dt.date:
    months = int(rule("reexamination_reminder", valid_until)["months_before_expiry"])
    return add_months(valid_until, -months)
