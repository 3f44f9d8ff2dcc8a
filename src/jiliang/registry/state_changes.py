"""Changes of an instrument's state with a reason and a date: retire, scrap, lost, return to
service, transfer to another owner (issue 13 §1).

One public function, `change_state`, for the instrument page, the API and the list's bulk
action: all-or-nothing, every refusal named (serial and reason), each change an append-only
`StateChange` row plus the instrument's own change record (status or owner before/after).

A transfer names the new owner by its unified social credit code and takes effect at once;
the giving owner decides it (it is the one that hands the instrument over), the receiving
owner sees it in its register and its change log, and the laboratories' access to the
instrument ends with the move (`Instrument.save` → `customers.instrument_moved`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.registry.models import Institution, Instrument
from jiliang.registry.record_models import StateChange
from jiliang.registry.record_rules import acts_for
from jiliang.registry.signals import instrument_states_changed

S = Instrument.Status
# state asked for -> (statuses it may start from, status it ends in; None: unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "retired": (frozenset({S.IN_SERVICE}), S.OUT_OF_SERVICE),
    "in_service": (frozenset({S.OUT_OF_SERVICE, S.LOST}), S.IN_SERVICE),
    "scrapped": (frozenset({S.IN_SERVICE, S.OUT_OF_SERVICE, S.LOST}), S.SCRAPPED),
    "lost": (frozenset({S.IN_SERVICE, S.OUT_OF_SERVICE}), S.LOST),
    "transferred": (frozenset({S.IN_SERVICE, S.OUT_OF_SERVICE}), None),
}
STATES = tuple(TRANSITIONS)
STATE_LABELS = {
    "retired": gettext_lazy("停用"),
    "in_service": gettext_lazy("恢复使用"),
    "scrapped": gettext_lazy("报废"),
    "lost": gettext_lazy("丢失"),
    "transferred": gettext_lazy("转让"),
}
MAX_ERRORS = 20  # refusals named in one message; the rest are counted


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("请填写原因")})
    if len(text) > 200 or any(ord(c) < 32 for c in text):
        raise ValidationError({"reason": _("原因最多200字符，不含控制字符")})
    return text


def _to_owner(to_owner: Any) -> Institution:
    if isinstance(to_owner, Institution):
        return to_owner
    code = str(to_owner or "").strip().upper()
    if not code:
        raise ValidationError({"to_owner": _("转让须写明接收单位的统一社会信用代码")})
    found = Institution.objects.filter(uscc=code).first()
    if found is None:
        raise ValidationError(
            {"to_owner": _("没有统一社会信用代码为 %(uscc)s 的机构") % {"uscc": code}}
        )
    return found


def _ids(instruments: Iterable[Any]) -> list[int]:
    ids: set[int] = set()
    for item in instruments:
        ids.add(int(item.pk if isinstance(item, Instrument) else item))
    return sorted(ids)


@transaction.atomic
def change_state(
    user: Any,
    instruments: Iterable[Any],
    *,
    state: str,
    reason: str,
    on: dt.date,
    to_owner: Any = None,
) -> int:
    """Change the state of these instruments (instances or ids); all or nothing.

    Raises ValidationError naming every refused instrument (serial: why) and changes
    nothing then; returns the number of instruments changed.
    """
    if state not in TRANSITIONS:
        raise ValidationError(
            {
                "state": _("未知状态 %(state)s，可选：%(states)s")
                % {"state": state, "states": ", ".join(STATES)}
            }
        )
    text = _clean_reason(reason)
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ValidationError({"on": _("日期格式应为 YYYY-MM-DD")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天")})
    receiver = _to_owner(to_owner) if state == "transferred" else None
    if state != "transferred" and to_owner is not None:
        raise ValidationError({"to_owner": _("只有转让需要接收单位")})
    ids = _ids(instruments)
    if not ids:
        raise ValidationError({"instruments": _("未选择器具")})
    rows = {
        i.pk: i
        for i in Instrument.objects.visible_to(user)
        .select_for_update()
        .select_related("owner")
        .filter(pk__in=ids)
    }
    starts, ends = TRANSITIONS[state]
    problems: list[str] = []
    for pk in ids:
        inst = rows.get(pk)
        if inst is None:  # the same answer whether it does not exist or is not visible
            problems.append(_("器具 #%(id)s：不存在") % {"id": pk})
            continue
        label = inst.serial_number
        if not acts_for(user, inst.owner):
            problems.append(_("%(serial)s：无权修改该器具的状态") % {"serial": label})
        elif inst.status not in starts:
            problems.append(
                _("%(serial)s：当前状态为“%(status)s”，不能%(state)s")
                % {
                    "serial": label,
                    "status": inst.get_status_display(),
                    "state": STATE_LABELS[state],
                }
            )
        elif receiver is not None and receiver.pk == inst.owner_id:
            problems.append(_("%(serial)s：已属于接收单位") % {"serial": label})
        elif (
            receiver is not None
            and Instrument.objects.filter(owner=receiver, serial_number=inst.serial_number).exists()
        ):
            problems.append(_("%(serial)s：接收单位已有相同出厂编号的器具") % {"serial": label})
    if problems:
        more = len(problems) - MAX_ERRORS
        shown = problems[:MAX_ERRORS]
        if more > 0:
            shown.append(_("另有 %(n)s 项") % {"n": more})
        raise ValidationError({"instruments": shown})
    from jiliang.accounts.audit import acting_user

    actor = acting_user(user)
    changes: list[StateChange] = []
    for pk in ids:
        inst = rows[pk]
        before_status, before_owner = inst.status, inst.owner_id
        if ends is not None:
            inst.status = ends
        if receiver is not None:
            inst.owner = receiver
        inst.save()
        changes.append(
            StateChange(
                instrument_id=pk,
                state=state,
                from_status=before_status,
                to_status=inst.status,
                reason=text,
                on=on,
                from_owner_id=before_owner,
                to_owner=receiver,
                user=actor if getattr(actor, "pk", None) else None,
            )
        )
    StateChange.objects.bulk_create(changes)
    transaction.on_commit(
        lambda: instrument_states_changed.send(
            sender=Instrument, instrument_ids=ids, state=state, on=on
        )
    )
    return len(ids)


def changes_of(instrument_id: int) -> list[StateChange]:
    """An instrument's changes of state, newest first (for its page)."""
    return list(
        StateChange.objects.filter(instrument_id=instrument_id).select_related(
            "from_owner", "to_owner", "user"
        )
    )
