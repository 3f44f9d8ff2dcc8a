"""The precomputed due-date counts (registry.due_counts, kept by triggers of migration
0013_due_counts) equal what the live query counts, after every kind of write, and answer the
due page and the home charts of region scopes only.

The world (tests/conftest.py) on 2026-06-01, recall advance 30 days, grace 0: the F1 weight
(city, 370300) is due 2026-03-31 → overdue; the scale (market, 370303) 2026-08-31 and the E2
weight (province, 370100) 2027-02-28 are beyond the window; the taximeter (taxi, 110105) was
never verified. Hand counts below follow from these dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.registry import due_counts, services
from jiliang.registry.models import Certificate, Instrument
from tests.conftest import TODAY

HORIZON = TODAY + dt.timedelta(days=30)


def live(user: Any, region: str | None = None) -> dict[str, int]:
    """The due page's counts from the instruments themselves (no precomputation)."""
    pages = services.DuePages(Instrument.objects.visible_to(user), today=TODAY, region=region)
    return {state: tally.value for state, tally in pages.counts.items()}


def counted(user: Any, region: str | None = None) -> dict[str, int]:
    scope = due_counts.region_scope(user, None, region)
    assert scope is not None
    return due_counts.state_counts(scope, TODAY, HORIZON)


def test_the_world_is_counted_by_hand(world) -> None:
    assert due_counts.mismatches() == {}
    u = world.users
    assert counted(u["admin"]) == live(u["admin"]) == {"overdue": 1, "due": 0, "never": 1}
    # Zibo's regulator (3703): the F1 weight (overdue) and the scale (not yet due)
    assert counted(u["reg_zibo"]) == live(u["reg_zibo"]) == {"overdue": 1, "due": 0, "never": 0}
    # narrowed to Beijing (11): the taximeter only; Zibo's regulator narrowed to Beijing: none
    assert counted(u["admin"], "110000") == {"overdue": 0, "due": 0, "never": 1}
    assert (
        counted(u["reg_zibo"], "110000")
        == live(u["reg_zibo"], "110000")
        == dict.fromkeys(("overdue", "due", "never"), 0)
    )


def test_a_regions_instruments_of_every_status_are_summed(world) -> None:
    world.e2_weight.status = "scrapped"
    world.e2_weight.save()
    for user in (world.users["admin"], world.users["reg_zibo"]):
        scope = due_counts.region_scope(user)
        assert due_counts.instruments_in(scope) == Instrument.objects.visible_to(user).count()
    assert due_counts.instruments_in("3703") == 2  # the F1 weight and the scale


def test_only_region_scopes_are_answered(world) -> None:
    u = world.users
    assert due_counts.region_scope(u["admin"]) == ""
    assert due_counts.region_scope(u["reg_zibo"]) == "3703"
    assert due_counts.region_scope(u["reg_zibo"], region="370303") == "370303"
    assert due_counts.region_scope(u["reg_zibo"], region="370000") == "3703"
    assert due_counts.region_scope(u["reg_zibo"], region="110105") == due_counts.NOTHING
    assert due_counts.region_scope(u["admin"], owner_id=world.market.pk) is None
    assert due_counts.region_scope(u["market"]) is None
    assert due_counts.region_scope(u["zibo_lab"]) is None


def test_counts_follow_every_kind_of_write(world) -> None:
    admin = world.users["admin"]
    # a passing certificate moves the scale's due date into the window (2026-06-20)
    Certificate.objects.create(
        number="ZB-2025-0900",
        kind="verification",
        issuer=world.city,
        instrument=world.scale,
        regulation="JJG 539-2016",
        calibration_date=dt.date(2026, 5, 20),
        issued_on=dt.date(2026, 5, 20),
        valid_until=dt.date(2026, 6, 20),
        conclusion="pass",
    )
    assert counted(admin) == live(admin) == {"overdue": 1, "due": 1, "never": 1}
    assert due_counts.mismatches() == {}
    # a new instrument, never verified, in Zibo
    new = Instrument.objects.create(
        owner=world.market, name="电子秤", serial_number="NEW-1", division_code="370303"
    )
    assert counted(admin)["never"] == 2
    assert counted(world.users["reg_zibo"])["never"] == 1
    # moved to Beijing, then scrapped, then deleted
    Instrument.objects.filter(pk=new.pk).update(division_code="110105")
    assert counted(world.users["reg_zibo"])["never"] == 0
    new.refresh_from_db()
    new.status = "scrapped"
    new.save()
    assert counted(admin)["never"] == 1
    new.delete()
    # bulk writes that go around the models' save()
    Instrument.objects.bulk_create(
        [
            Instrument(
                owner=world.market, name="秤", serial_number=f"B-{i}", division_code="370303"
            )
            for i in range(3)
        ]
    )
    Instrument.objects.filter(serial_number="B-0").update(due_date=dt.date(2026, 6, 10))
    assert counted(admin) == live(admin)
    assert due_counts.mismatches() == {}


def test_a_damaged_table_is_found_and_rebuilt(world) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_duedaycount SET n = n + 5 WHERE due = '' AND division_code = '110105'"
        )
    assert due_counts.mismatches() == {("110105", "in_service", ""): (6, 1)}
    result = CliRunner().invoke(app, ["refresh-due"])  # the admin's repair rebuilds it
    assert result.exit_code == 0 and "due-count row(s) rebuilt" in result.output
    assert due_counts.mismatches() == {}


def test_pages_read_through_the_counts_equal_the_sorted_list(world) -> None:
    """A region's page is narrowed to the days that hold it (due_counts.day_span); every
    slice must be the same rows, in the same order, as the plain sorted segments."""
    days = [TODAY - dt.timedelta(days=d) for d in (40, 40, 3, 1, 1, 1)]
    days += [TODAY + dt.timedelta(days=d) for d in (0, 0, 5, 30, 30, 31)]
    Instrument.objects.bulk_create(
        [
            Instrument(
                owner=world.market,
                name="秤",
                serial_number=f"P-{i}",
                division_code="370303" if i % 3 else "370302",
                due_date=day,
            )
            for i, day in enumerate(days)
        ]
    )
    for user, region in ((world.users["admin"], None), (world.users["reg_zibo"], "370303")):
        instruments = Instrument.objects.visible_to(user)
        plain = services.DuePages(instruments, today=TODAY, region=region)
        scope = due_counts.region_scope(user, None, region)
        fast = services.DuePages(instruments, today=TODAY, region=region, region_scope=scope)
        assert {k: v.value for k, v in fast.counts.items()} == {
            k: v.value for k, v in plain.counts.items()
        }
        n = len(plain)
        for low in range(n + 1):
            for high in range(low, n + 2):
                assert fast[low:high] == plain[low:high], (region, low, high)
    # by hand, for the administrator: overdue = the F1 weight (2026-03-31) and the six
    # past days; due = today twice, +5 and +30 twice (the horizon is inclusive; +31 is
    # beyond it); never = the taximeter
    admin = services.DuePages(Instrument.objects.all(), today=TODAY, region_scope="")
    assert {k: v.value for k, v in admin.counts.items()} == {"overdue": 7, "due": 5, "never": 1}


def test_a_laboratorys_pages_walked_by_pieces_of_days_equal_the_sorted_list(
    world, monkeypatch
) -> None:
    """A laboratory's scope is no region: a large state of it is counted in pieces of the
    country's due days (due_counts.scope_span). With pieces of one instrument and the walk
    for every size, every slice must equal the plainly sorted segments."""
    from jiliang.registry.customer_models import LabCustomer

    LabCustomer.objects.filter(lab=world.city, owner=world.market).update(all_instruments=True)
    days = [TODAY - dt.timedelta(days=d) for d in (40, 40, 3, 1, 1, 1)]
    days += [TODAY + dt.timedelta(days=d) for d in (0, 0, 5, 30, 30, 31)]
    owners = [world.market, world.market, world.province]  # the province's: not in its view
    Instrument.objects.bulk_create(
        [
            Instrument(
                owner=owners[i % 3],
                name="秤",
                serial_number=f"L-{i}",
                division_code="370303",
                due_date=day,
            )
            for i, day in enumerate(days)
        ]
    )
    instruments = Instrument.objects.visible_to(world.users["zibo_lab"])
    monkeypatch.setattr(due_counts, "WALK_FROM", 10**9)
    plain = services.DuePages(instruments, today=TODAY, cap=10_000)
    n = len(plain)
    expected = {low: {high: plain[low:high] for high in range(low, n + 2)} for low in range(n + 1)}
    # by hand: the market's are i = 0, 1, 3, 4, 6, 7, 9, 10 (every third from i = 2 is the
    # province's); overdue: the city's F1 weight (2026-03-31), i = 0, 1 (-40), 3, 4 (-1);
    # due: i = 6, 7 (today), 9, 10 (+30, the horizon is inclusive); the scale is beyond it
    assert {k: v.value for k, v in plain.counts.items()} == {"overdue": 5, "due": 4, "never": 0}
    assert [e.serial_number for e in plain[0:n]] == [
        "F1-1KG-01", "L-0", "L-1", "L-3", "L-4", "L-6", "L-7", "L-9", "L-10"
    ]  # fmt: skip
    monkeypatch.setattr(due_counts, "WALK_FROM", 0)
    monkeypatch.setattr(due_counts, "FIRST_PIECE", 1)
    walked = services.DuePages(instruments, today=TODAY, cap=10_000)
    assert [e.serial_number for e in walked[0:n]] == [e.serial_number for e in plain[0:n]]
    for low in range(n + 1):
        for high in range(low, n + 2):
            assert walked[low:high] == expected[low][high], (low, high)


def test_the_due_pages_owner_is_searched_not_listed(world) -> None:
    """The owner filter is a picker field: no option per owner; an id or a USCC picks."""
    from django.test import Client

    client = Client()
    client.force_login(world.users["admin"])
    page = client.get("/due/")
    assert page.status_code == 200
    assert b"<option" not in page.content and b'data-picker="institutions"' in page.content
    for value in (str(world.market.pk), world.market.uscc):
        picked = client.get(f"/due/?owner={value}")
        assert picked.status_code == 200, value
        assert {e.serial_number for e in picked.context["page"].object_list} == {"SCALE-0001"}
        assert world.market.name_zh in picked.content.decode()
    assert client.get("/due/?owner=91370300XXXXXXXXX0").status_code == 400  # no such USCC
