"""强检备案: an owner files its instruments under mandatory verification (one by one, or by
the Excel template, all or nothing) and books their verification with a laboratory before
the due date.

The rows are the registry's instrument import rows (registry.importers: the same rule
book, all or nothing, file/row/field/reason errors, bounded reading), with one rule more:
each row must be under mandatory verification (catalogue item × use area,
registry.services.mandatory_status). The owner's USCC is filled in from the login.

Due date (derived): the registry's due date of the instrument (last passing certificate);
for an instrument never verified, or re-filed after being overdue, the filing day plus the
booking lead (kinds.yaml booking_lead_days, 15 days). A booking must fall between today and
the due date, with a laboratory holding a valid authorisation for mandatory verification.
Overdue and not verified: flagged for re-filing (重新备案).
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiliang import bounds
from jiliang.registry.importers import ImportRejected, RowError, import_rows, read_file
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    Institution,
    Instrument,
)
from jiliang.registry.services import mandatory_status
from jiliang.services import kinds
from jiliang.services.models import FilingEntry
from jiliang.services.workflow import ServiceError

COLUMNS = [
    "name",
    "serial_number",
    "category",
    "use_area",
    "division_code",
    "location",
    "maker",
    "model",
    "cpa_mark",
    "range_min",
    "range_max",
    "unit",
    "accuracy_class",
]
REQUIRED = ("name", "serial_number", "category", "use_area", "division_code")
MANDATORY_FORMS = (Authorisation.Form.LEGAL_INSTITUTION, Authorisation.Form.INTERNAL_MANDATORY)


def template_bytes() -> bytes:
    """The Excel template: the header row on the first sheet, explanations on the second."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "filing"
    sheet.append(COLUMNS)
    notes = book.create_sheet("说明")
    notes.append(["column", "required", "meaning"])
    meaning = {
        "name": "器具名称",
        "serial_number": "出厂编号（本单位内唯一）",
        "category": "《实施强制管理的计量器具目录》编号，如 C01",
        "use_area": "trade 贸易结算 / safety 安全防护 / medical 医疗卫生 / environment 环境监测",
        "division_code": "使用地点行政区划代码（6位）",
        "location": "使用地点",
        "maker": "制造单位",
        "model": "型号规格",
        "cpa_mark": "型式批准标志编号",
        "range_min": "测量范围下限（数字）",
        "range_max": "测量范围上限（数字）",
        "unit": "单位",
        "accuracy_class": "准确度等级",
    }
    for column in COLUMNS:
        notes.append([column, "yes" if column in REQUIRED else "", meaning[column]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _owner(user: Any) -> Institution:
    if user is None or not user.is_authenticated or user.institution_id is None:
        raise ServiceError("user", _("请以器具使用单位的账号登录"))
    institution: Institution = user.institution
    if institution.kind == Institution.Kind.REGULATOR:
        raise ServiceError("user", _("市场监管部门不备案器具"))
    return institution


def file_rows(user: Any, rows: list[dict[str, str]], file: str, on: dt.date) -> list[FilingEntry]:
    """File rows all or nothing; ImportRejected lists every (file, row, field, reason)."""
    owner = _owner(user)
    if not rows:
        raise ImportRejected([RowError(file, 0, "file", "no data rows")])
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise ImportRejected([RowError(file, 1, c, "required column is missing") for c in missing])
    items = {c.number: c for c in CatalogueItem.objects.all()}
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        number = int(row.get("__row__", index + 2))
        for column in REQUIRED:
            if not row.get(column):
                errors.append(RowError(file, number, column, "is required"))
        item = items.get(row.get("category", ""))
        if row.get("category") and item is None:
            errors.append(
                RowError(
                    file, number, "category", f"{row['category']!r} is not a catalogue item number"
                )
            )
        if item is not None and row.get("use_area"):
            status = mandatory_status(Instrument(category=item, use_area=row["use_area"]))
            if not status.mandatory:
                reason = f"not under mandatory verification ({status.reason}): nothing to file"
                errors.append(RowError(file, number, "use_area", reason))
        row["owner_uscc"] = owner.uscc
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        result = import_rows("instruments", rows, user, file=file)
        entries = [
            FilingEntry(instrument_id=pk, owner=owner, filed_on=on, filed_by=user)
            for pk in result.ids
        ]
        FilingEntry.objects.bulk_create(entries)
    return list(FilingEntry.objects.filter(instrument_id__in=result.ids))


def file_upload(
    user: Any, name: str, chunks: Iterable[bytes], size: int, on: dt.date
) -> list[FilingEntry]:
    """File an uploaded .xlsx/.csv (bounded as registry imports are)."""
    base = Path(name or "upload").name or "upload"
    limit = bounds.MAX_IMPORT_BYTES
    if size > limit:
        raise ImportRejected(
            [RowError(base, 0, "file", bounds.upload_too_large(size, limit, base))]
        )
    with tempfile.TemporaryDirectory(prefix="jiliang-filing-") as folder:
        path = Path(folder) / base
        written = 0
        with path.open("wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise ImportRejected(
                        [RowError(base, 0, "file", f"is over {limit:,} bytes, the limit")]
                    )
                out.write(chunk)
        rows = read_file(path)
    return file_rows(user, rows, base, on)


# --- due dates and bookings -------------------------------------------------------------------


@dataclass(frozen=True)
class FilingStatus:
    due: dt.date
    state: str  # booked, book_now, ok, overdue
    days_left: int


def status(entry: FilingEntry, today: dt.date) -> FilingStatus:
    lead = kinds.booking_lead_days()
    base = entry.instrument.due_date
    restart = entry.refiled_on or entry.filed_on
    if base is None or (entry.refiled_on is not None and entry.refiled_on > base):
        base = restart + dt.timedelta(days=lead)
    left = (base - today).days
    if entry.booked_for is not None and entry.booked_for <= base and entry.booked_for >= today:
        state = "booked"
    elif left < 0:
        state = "overdue"
    elif left <= lead:
        state = "book_now"
    else:
        state = "ok"
    return FilingStatus(base, state, left)


def mandatory_labs(on: dt.date) -> Any:
    """Laboratories holding a valid authorisation for mandatory verification on `on`."""
    ids = Authorisation.objects.filter(
        form__in=MANDATORY_FORMS, valid_from__lte=on, valid_until__gte=on
    ).values("institution_id")
    return Institution.objects.filter(pk__in=ids).order_by("id")


def book(
    user: Any, entry: FilingEntry, lab_id: int | None, day: dt.date | None, today: dt.date
) -> None:
    """Book the verification of a filed instrument with an authorised laboratory."""
    owner = _owner(user)
    if entry.owner_id != owner.pk:
        raise ServiceError("entry", _("只能预约本单位备案的器具"))
    lab = mandatory_labs(today).filter(pk=lab_id or 0).first()
    if lab is None:
        raise ServiceError("lab", _("请选择具有强制检定授权的检定机构"))
    if lab.kind == Institution.Kind.ENTERPRISE and lab.pk != owner.pk:
        raise ServiceError("lab", _("内部授权只适用于本单位的器具"))
    if day is None:
        raise ServiceError("day", _("请选择预约检定日期"))
    current = status(entry, today)
    if current.state == "overdue":
        raise ServiceError("day", _("已超期，请先重新备案"))
    if day < today or day > current.due:
        raise ServiceError(
            "day", _("预约日期须在今天与到期日 %(due)s 之间") % {"due": current.due.isoformat()}
        )
    entry.booked_lab = lab
    entry.booked_for = day
    entry.booked_on = today
    entry.save(update_fields=["booked_lab", "booked_for", "booked_on"])


def refile(user: Any, entry: FilingEntry, today: dt.date) -> None:
    """重新备案 of an overdue instrument: its clock restarts and a booking can be made."""
    owner = _owner(user)
    if entry.owner_id != owner.pk:
        raise ServiceError("entry", _("只能重新备案本单位的器具"))
    if status(entry, today).state != "overdue":
        raise ServiceError("entry", _("只有超期未检的器具需要重新备案"))
    entry.refiled_on = today
    entry.booked_lab = None
    entry.booked_for = None
    entry.booked_on = None
    entry.save(update_fields=["refiled_on", "booked_lab", "booked_for", "booked_on"])
