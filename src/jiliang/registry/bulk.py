"""Bulk actions of the instrument list: select rows (or every row the filter matches) →
export them, retire them, or set their location.

Why here and thin: the selection is read only through the user's visible queryset and the
list's own FilterSet, so a bulk action can never reach a row the list would not show; the
state change itself is `state_changes.change_state` (the one rule book for retire, with its
per-row permission and all-or-nothing refusal), and a location is written row by row through
`Instrument.save`, so each change lands in the instrument's change log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.bounds import MAX_ID
from jiliang.registry import counting, exports, listing

BULK_CAP = 1_000  # rows one bulk action may change or export
ACTIONS = ("export", "retire", "location")


@dataclass
class Outcome:
    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)
    download: HttpResponse | None = None
    filter_query: str = ""


def _refused(message: str, problems: list[str] | None = None, query: str = "") -> Outcome:
    return Outcome(False, message, problems or [], None, query)


def _selection(
    request: HttpRequest, visible: QuerySet[Any], spec: listing.ListSpec
) -> tuple[QuerySet[Any] | None, list[int], str, list[str]]:
    """The selected rows (sorted as the list), their ids as sent, the list's query string,
    and the problems with the selection."""
    query = request.POST.get("filter", "")[:2000]
    params = QueryDict(query)
    _filterset, _table, matching, problems = listing.filtered(params, visible, spec)
    if problems:
        return None, [], query, problems
    if request.POST.get("all") == "1":
        return matching, [], query, []
    ids: list[int] = []
    for raw in request.POST.getlist("ids")[: BULK_CAP + 1]:
        try:
            value = int(raw)
        except ValueError:
            return None, [], query, [_("ids：%(value)s 不是器具编号") % {"value": raw[:20]}]
        if not 1 <= value <= MAX_ID:
            return None, [], query, [_("ids：%(value)s 不是器具编号") % {"value": raw[:20]}]
        ids.append(value)
    return visible.filter(pk__in=ids).order_by(*matching.query.order_by or ["pk"]), ids, query, []


def perform(request: HttpRequest, visible: QuerySet[Any], spec: listing.ListSpec) -> Outcome:
    """Run the POSTed bulk action; all or nothing, with a message naming what was refused."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _refused(_("未知的批量操作 %(action)s") % {"action": action[:20]})
    selected, ids, query, problems = _selection(request, visible, spec)
    if selected is None:
        return _refused(_("选择有误"), problems, query)
    size = counting.count_up_to(selected, BULK_CAP)
    if size.value == 0:
        return _refused(_("未选择器具"), [], query)
    if size.more or len(ids) > BULK_CAP:
        return _refused(
            _("一次最多处理 %(cap)s 台器具，请缩小筛选范围") % {"cap": f"{BULK_CAP:,}"}, [], query
        )
    if ids and size.value != len(set(ids)):
        # a row that is not (or no longer) visible: name none of them, change nothing
        return _refused(_("所选器具中有不存在或无权查看的记录，未做任何修改"), [], query)
    if action == "export":
        header, rows = listing.export_rows(selected, spec, {"today": timezone.localdate()})
        body = exports.to_xlsx_stream("instruments", header, rows)
        response = HttpResponse(body, content_type=listing.XLSX)
        name = f"instruments-selected-{timezone.localdate().isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return Outcome(True, "", [], response, query)
    if action == "retire":
        return _retire(request, selected, query)
    return _locate(request, selected, query)


def _retire(request: HttpRequest, selected: QuerySet[Any], query: str) -> Outcome:
    from jiliang.registry.state_changes import change_state

    try:
        on = dt.date.fromisoformat(request.POST.get("on", "") or "")
    except ValueError:
        return _refused(_("on：日期格式应为 YYYY-MM-DD"), [], query)
    ids = list(selected.values_list("pk", flat=True))
    try:
        changed = change_state(
            request.user, ids, state="retired", reason=request.POST.get("reason", ""), on=on
        )
    except ValidationError as exc:
        messages = [f"{k}: {m}" for k, v in exc.message_dict.items() for m in v]
        return _refused(_("未做任何修改"), messages, query)
    return Outcome(True, _("已停用 %(n)s 台器具") % {"n": changed}, [], None, query)


def _locate(request: HttpRequest, selected: QuerySet[Any], query: str) -> Outcome:
    from jiliang.registry.models import Instrument
    from jiliang.registry.record_rules import acts_for
    from jiliang.registry.write_rules import field_problems

    location = request.POST.get("location", "").strip()
    if not location:
        return _refused(_("location：请填写安装地点"), [], query)
    reasons = field_problems(Instrument, {"location": location})
    if reasons:
        return _refused(_("未做任何修改"), [f"location: {reasons['location']}"], query)
    with transaction.atomic():
        ids = list(selected.values_list("pk", flat=True))
        rows = list(
            Instrument.objects.select_for_update().select_related("owner").filter(pk__in=ids)
        )
        refused = [
            _("%(serial)s：无权修改该器具") % {"serial": row.serial_number}
            for row in rows
            if not acts_for(request.user, row.owner)
        ]
        if refused:
            return _refused(_("未做任何修改"), refused[:20], query)
        for row in rows:
            if row.location != location:
                row.location = location
                row.save(update_fields=["location"])
    return Outcome(True, _("已为 %(n)s 台器具设置安装地点") % {"n": len(rows)}, [], None, query)
