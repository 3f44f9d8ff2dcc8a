"""Readings of the test site, sent through the one ingest path."""

from __future__ import annotations

import datetime as dt
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))


def send(user: Any, message_id: str, items: list[dict[str, Any]], source: str = "api") -> Any:
    from jiliang.monitoring.ingest import ingest

    return ingest({"message_id": message_id, "user": "NM-ALU-01", "items": items}, user, source)


def one_day(day: dt.date, first: float = 99990.0) -> list[dict[str, Any]]:
    """E-MAIN register: 99990.0 at 00:00, +0.2 every 15 min, wrapping after 99999.9, up to
    and including the next day's 00:00 (96 steps: 9.2 by then); GAS: 10 m3 per 15 min.
    `first` is the 00:00 register (the next day continues from 9.2)."""
    midnight = dt.datetime.combine(day, dt.time(), CST)
    items = []
    for i in range(97):
        start = (midnight + dt.timedelta(minutes=15 * i)).isoformat()
        items.append(
            {"point": "E-MAIN", "start": start, "value": round((first + 0.2 * i) % 100000.0, 1)}
        )
        if i < 96:
            items.append({"point": "GAS", "start": start, "value": 10.0, "kind": "interval"})
    return items
