"""The lots demo builds thousands of meters in three lots, once."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from jiliang.lots.demo import build_lots_demo
from jiliang.lots.models import Lot


def test_lots_demo_is_built_once(db) -> None:
    first = build_lots_demo(dt.date(2026, 6, 1))
    assert first["created"] is True
    assert first["lots"] == 3 and first["meters"] == 3700 and first["extended_lots"] == 1
    assert set(Lot.objects.values_list("state", flat=True)) == {"approved", "decided", "formed"}
    again = build_lots_demo(dt.date(2026, 6, 1))
    assert again["created"] is False and again["meters"] == 3700
    notice = Client().get("/api/lots/notice").json()
    assert [(row["code"], row["meters"]) for row in notice] == [("SH-SH2017-03", 1600)]
    client = Client()
    assert client.login(username="reg_sh", password="demo12345")
    assert len(client.get("/api/lots/lots").json()) == 3
