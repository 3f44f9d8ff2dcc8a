"""Changes of state: retire, scrap, lost, return, transfer; all-or-nothing; who may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiliang.accounts.models import ChangeRecord
from jiliang.registry.models import Instrument, LabAccess, StateChange
from jiliang.registry.state_changes import change_state

DAY = dt.date(2026, 5, 20)


def _second_scale(world: Any) -> Any:
    return Instrument.objects.create(
        owner=world.market,
        name="电子秤",
        division_code="370303",
        serial_number="SCALE-0002",
        status="scrapped",
    )


def test_owner_retires_with_reason_and_date(world: Any) -> None:
    n = change_state(world.users["market"], [world.scale], state="retired", reason="损坏", on=DAY)
    assert n == 1
    world.scale.refresh_from_db()
    assert world.scale.status == "out_of_service"
    change = StateChange.objects.get(instrument=world.scale)
    assert (change.state, change.reason, change.on) == ("retired", "损坏", DAY)
    assert (change.from_status, change.to_status) == ("in_service", "out_of_service")
    record = ChangeRecord.objects.filter(
        model="registry.instrument", object_id=str(world.scale.pk), action="update"
    ).latest("time")
    assert record.before["status"] == "in_service"
    assert record.after["status"] == "out_of_service"


def test_all_or_nothing(world: Any) -> None:
    scrapped = _second_scale(world)
    with pytest.raises(ValidationError) as err:
        change_state(
            world.users["market"], [world.scale, scrapped], state="retired", reason="x", on=DAY
        )
    text = str(err.value)
    assert "SCALE-0002" in text  # the refused one is named
    world.scale.refresh_from_db()
    assert world.scale.status == "in_service"  # the other one did not change either
    assert not StateChange.objects.exists()


def test_others_and_readers_may_not(world: Any) -> None:
    for name in ("zibo_lab", "reg_zibo", "taxi"):
        with pytest.raises(ValidationError):
            change_state(world.users[name], [world.scale.pk], state="lost", reason="x", on=DAY)
    world.scale.refresh_from_db()
    assert world.scale.status == "in_service"


def test_invisible_and_missing_answer_alike(world: Any) -> None:
    def message(ids: list[int]) -> str:
        with pytest.raises(ValidationError) as err:
            change_state(world.users["taxi"], ids, state="lost", reason="x", on=DAY)
        return str(err.value).replace(str(ids[0]), "N")

    assert message([world.scale.pk]) == message([999999])


def test_transitions_and_bad_input(world: Any) -> None:
    user = world.users["market"]
    change_state(user, [world.scale], state="lost", reason="被盗", on=DAY)
    change_state(user, [world.scale], state="in_service", reason="找回", on=DAY)
    change_state(user, [world.scale], state="scrapped", reason="报废", on=DAY)
    with pytest.raises(ValidationError):  # scrapped is final
        change_state(user, [world.scale], state="in_service", reason="x", on=DAY)
    for kwargs in (
        {"state": "melted", "reason": "x", "on": DAY},
        {"state": "lost", "reason": " ", "on": DAY},
        {"state": "lost", "reason": "x", "on": dt.date.today() + dt.timedelta(days=2)},
        {"state": "lost", "reason": "x", "on": DAY, "to_owner": world.taxi},
    ):
        with pytest.raises(ValidationError):
            change_state(user, [world.scale], **kwargs)
    assert StateChange.objects.count() == 3


def test_transfer_by_uscc_moves_owner_and_ends_lab_access(world: Any) -> None:
    assert LabAccess.objects.filter(instrument=world.scale).exists()
    change_state(
        world.users["market"],
        [world.scale],
        state="transferred",
        reason="出售",
        on=DAY,
        to_owner=world.taxi.uscc,
    )
    world.scale.refresh_from_db()
    assert world.scale.owner_id == world.taxi.pk
    assert world.scale.status == "in_service"
    assert not LabAccess.objects.filter(instrument=world.scale).exists()
    change = StateChange.objects.get()
    assert (change.from_owner_id, change.to_owner_id) == (world.market.pk, world.taxi.pk)
    with pytest.raises(ValidationError, match="91370000"):
        change_state(
            world.users["taxi"],
            [world.scale],
            state="transferred",
            reason="x",
            on=DAY,
            to_owner="913700000000000000",
        )
