"""All-or-nothing bulk import of instruments, standards and certificates from CSV or XLSX.

Every row is validated first against the database and the rest of the file; any error
(file, row, field, reason) means nothing is written. Then rows are written in one
transaction with bulk inserts, each with its change record.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from jiliang import bounds
from jiliang.accounts.audit import record_bulk_creation, snapshot, snapshot_maker
from jiliang.codes import CodeError, check_division_code
from jiliang.dbutil import in_values, insert_dicts, insert_objects, insert_rows
from jiliang.registry import certificate_rows, rules, signals, workbooks, write_rules
from jiliang.registry.customers import note_worked
from jiliang.registry.models import (
    CatalogueItem,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Quantity,
    UseArea,
)
from jiliang.registry.querysets import is_admin
from jiliang.registry.services import refresh_due_dates

KINDS = ("instruments", "standards", "certificates")
BATCH = 5000


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.reason}"


class ImportRejected(Exception):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} error(s); nothing was imported:\n{shown}{more}")


@dataclass(frozen=True)
class _Source:
    """Where the rows came from, for the change log: the file and each row's number."""

    file: str
    rows: list[int]


@dataclass
class ImportResult:
    kind: str
    created: int
    ids: list[int] = field(default_factory=list)


Progress = Callable[[int], None]


def read_rows(path: Path, stack: ExitStack) -> tuple[list[str], Iterator[dict[str, str]]]:
    """Header and rows (as strings) of a .csv (UTF-8, BOM allowed) or .xlsx file, streamed.

    A workbook's zip is checked before it is parsed (`workbooks.check_archive`); rows are
    read one at a time, so a caller can check the header and count rows as they come. The
    open file is closed with `stack`.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        handle = stack.enter_context(path.open(encoding="utf-8-sig", newline=""))
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])

        def rows() -> Iterator[dict[str, str]]:
            for row in reader:
                yield {k: (v or "").strip() for k, v in row.items() if k is not None}

        return header, rows()
    if suffix == ".xlsx":
        header, values = workbooks.read_xlsx(path, stack)

        def xrows() -> Iterator[dict[str, str]]:
            for raw in values:
                if raw is None or all(v is None for v in raw):
                    continue
                yield {h: _cell(v) for h, v in zip(header, raw, strict=False) if h}

        return header, xrows()
    raise ImportRejected(
        [RowError(path.name, 0, "file", f"unsupported file type {suffix!r}; use .csv or .xlsx")]
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


REQUIRED = {
    "instruments": ["owner_uscc", "name", "serial_number", "division_code"],
    "standards": [
        "institution_uscc",
        "code",
        "name",
        "kind",
        "quantity",
        "range_min",
        "range_max",
        "unit",
    ],
    "certificates": [
        "number",
        "kind",
        "instrument_owner_uscc",
        "instrument_serial",
        "regulation",
        "calibration_date",
        "issued_on",
        "conclusion",
    ],
}


MODELS: dict[str, type[Model]] = {
    "instruments": Instrument,
    "standards": MeasurementStandard,
    "certificates": Certificate,
}
# Columns that name a text field of another model than the row's: their field's length.
OTHER_LIMITS: dict[str, dict[str, int]] = {
    "instruments": {},
    "standards": {"exam_certificate_number": 60},
    "certificates": {
        "instrument_serial": 60,
        "verifier": 40,
        "checker": 40,
        "approver": 40,
    },
}


class _Checker:
    """Collects row errors while converting string cells to typed values."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[RowError] = []
        self.row = 0
        self._dates: dict[str, dt.date] = {}  # a file repeats few dates 10^4 times

    def fail(self, field_name: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.row, field_name, reason))

    def number(self, row: dict[str, str], name: str, required: bool = False) -> float | None:
        text = row.get(name, "")
        if not text:
            if required:
                self.fail(name, "is required")
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(name, f"{text!r} is not a number")
            return None
        if not math.isfinite(value):
            self.fail(name, f"{text!r} is not a finite number")
            return None
        return value

    def date(self, row: dict[str, str], name: str, required: bool = False) -> dt.date | None:
        text = row.get(name, "")
        if not text:
            if required:
                self.fail(name, "is required")
            return None
        known = self._dates.get(text)
        if known is not None:
            return known
        try:
            self._dates[text] = dt.date.fromisoformat(text)
            return self._dates[text]
        except ValueError:
            self.fail(name, f"{text!r} is not a date (YYYY-MM-DD)")
            return None

    def choice(
        self, row: dict[str, str], name: str, choices: Sequence[str], default: str = ""
    ) -> str:
        text = row.get(name, "") or default
        if text not in choices:
            self.fail(name, f"{text!r} is not one of {', '.join(choices)}")
        return text


def _own_institutions(
    user: Any, rows: list[dict[str, str]], checker: _Checker, column: str
) -> dict[str, Institution]:
    """Institutions named in a column, checking each row names one the user may write for."""
    values = {r.get(column, "") for r in rows}
    found = {i.uscc: i for i in Institution.objects.filter(uscc__in=values)}
    for index, row in enumerate(rows):
        checker.row = _row_no(row, index)
        institution = found.get(row.get(column, ""))
        if institution is None:
            checker.fail(
                column, f"no institution with unified social credit code {row.get(column, '')!r}"
            )
        elif not is_admin(user) and (user is None or user.institution_id != institution.pk):
            checker.fail(column, "you may only import records of your own institution")
    return found


def import_rows(
    kind: str,
    rows: Iterable[dict[str, str]],
    user: Any,
    *,
    file: str = "<rows>",
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row, then write them all or none."""
    if kind not in KINDS:
        raise ImportRejected(
            [RowError(file, 0, "kind", f"unknown kind {kind!r}; one of {', '.join(KINDS)}")]
        )
    materialised = list(rows)
    checker = _Checker(file)
    if not materialised:
        raise ImportRejected([RowError(file, 0, "file", "no data rows")])
    missing = [c for c in REQUIRED[kind] if c not in materialised[0]]
    if missing:
        raise ImportRejected([RowError(file, 1, c, "required column is missing") for c in missing])
    # Text first (control characters, lengths): a NUL byte must never reach a lookup, which
    # PostgreSQL would answer with an error where SQLite answers nothing.
    text = write_rules.row_problems(MODELS[kind], materialised, OTHER_LIMITS[kind])
    if text:
        raise ImportRejected(
            sorted(
                (RowError(file, _row_no(materialised[i], i), name, why) for i, name, why in text),
                key=lambda error: error.row,
            )
        )
    builder = {
        "instruments": _build_instruments,
        "standards": _build_standards,
        "certificates": _build_certificates,
    }[kind]
    objects, extra = builder(materialised, user, checker)
    if checker.errors:  # by row (stable: a row's problems keep the order of the checks)
        raise ImportRejected(sorted(checker.errors, key=lambda error: error.row))
    source = _Source(file, [_row_no(row, index) for index, row in enumerate(materialised)])
    return _write(kind, objects, extra, user, progress, source)


def read_file(path: Path | str, kind: str | None = None) -> list[dict[str, str]]:
    """Every row of a .csv or .xlsx file, each with its row number in the file (`__row__`).

    Bounded before anything is parsed: the file's size (`bounds.MAX_IMPORT_BYTES`) and, for a
    workbook, what its zip expands to; then, with `kind`, the header is checked for the
    required columns before any row is read, and reading stops past
    `bounds.MAX_IMPORT_ROWS`. A file that cannot be read as what its name says (not UTF-8, a
    damaged workbook) is rejected with the reason, never raised as a decoding error.
    """
    path = Path(path)
    if not path.exists():
        raise ImportRejected([RowError(str(path), 0, "file", "does not exist")])
    too_large = bounds.upload_too_large(path.stat().st_size, bounds.MAX_IMPORT_BYTES, "the file")
    if too_large:
        raise ImportRejected([RowError(path.name, 0, "file", f"{too_large} (split the file)")])
    rows: list[dict[str, str]] = []
    try:
        with ExitStack() as stack:
            _read_bounded(path, kind, stack, rows)
    except workbooks.WorkbookRefused as exc:
        raise ImportRejected([RowError(path.name, 0, "file", str(exc))]) from None
    except UnicodeDecodeError as exc:
        where = RowError(path.name, len(rows) + 2, "file", f"is not UTF-8 text ({exc.reason})")
        raise ImportRejected([where]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(path.name, len(rows) + 2, "file", str(exc))]) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        kind_of = "a readable .xlsx workbook" if path.suffix.lower() == ".xlsx" else "readable"
        reason = f"is not {kind_of} ({type(exc).__name__})"
        raise ImportRejected([RowError(path.name, 0, "file", reason)]) from None
    except (SyntaxError, IndexError, TypeError) as exc:  # openpyxl on damaged sheet XML
        if path.suffix.lower() != ".xlsx":
            raise
        reason = f"is not a readable .xlsx workbook ({type(exc).__name__})"
        raise ImportRejected([RowError(path.name, 0, "file", reason)]) from None
    return rows


def _read_bounded(
    path: Path, kind: str | None, stack: ExitStack, rows: list[dict[str, str]]
) -> None:
    """read_file's reading: header checked first, then rows appended up to the bound."""
    header, reader = read_rows(path, stack)
    missing = [c for c in REQUIRED.get(kind or "", []) if c not in header]
    if missing:
        raise ImportRejected(
            [RowError(path.name, 1, c, "required column is missing") for c in missing]
        )
    for index, row in enumerate(reader, start=2):
        if len(rows) >= bounds.MAX_IMPORT_ROWS:
            reason = (
                f"has more than {bounds.MAX_IMPORT_ROWS:,} rows, the most one import takes "
                "(split the file)"
            )
            raise ImportRejected([RowError(path.name, index, "file", reason)])
        row["__row__"] = str(index)
        rows.append(row)


def import_file(
    path: Path | str, kind: str, user: Any, progress: Progress | None = None
) -> ImportResult:
    """Read a whole file, then import its rows all or nothing."""
    rows = read_file(path, kind)
    return import_rows(kind, rows, user, file=Path(path).name, progress=progress)


def _row_no(row: dict[str, str], index: int) -> int:
    return int(row.get("__row__", index + 2))


def _build_instruments(
    rows: list[dict[str, str]], user: Any, c: _Checker
) -> tuple[list[dict[str, Any]], Any]:
    owners = _own_institutions(user, rows, c, "owner_uscc")
    categories = {x.number: x for x in CatalogueItem.objects.all()}
    quantities = {q.code: q for q in Quantity.objects.all()}
    standards = {
        code: (pk, holder)
        for pk, code, holder in MeasurementStandard.objects.values_list(
            "id", "code", "institution_id"
        )
    }
    serials = sorted({r.get("serial_number", "") for r in rows})
    existing = set(  # only this file's serials: an owner may hold 10^5 instruments
        Instrument.objects.filter(
            owner__in=owners.values(), serial_number__in=in_values(serials, "text")
        ).values_list("owner_id", "serial_number")
    )
    use_areas = [u.value for u in UseArea]
    divisions: dict[str, str] = {}  # code -> error message ("" when valid)
    seen: dict[tuple[int, str], int] = {}
    objects = []
    for index, row in enumerate(rows):
        c.row = _row_no(row, index)
        owner = owners.get(row.get("owner_uscc", ""))
        for name in ("name", "serial_number"):
            if not row.get(name):
                c.fail(name, "is required")
        division = row.get("division_code", "")
        if division not in divisions:  # a file names few divisions: check each once
            try:
                check_division_code(division, allow_unlisted=True)
                divisions[division] = ""
            except CodeError as exc:
                divisions[division] = str(exc)
        if divisions[division]:
            c.fail("division_code", divisions[division])
        category = None
        if row.get("category"):
            category = categories.get(row["category"])
            if category is None:
                c.fail("category", f"{row['category']!r} is not a catalogue item number")
        quantity = None
        if row.get("quantity"):
            quantity = quantities.get(row["quantity"])
            if quantity is None:
                c.fail("quantity", f"unknown quantity {row['quantity']!r}")
        use_area = c.choice(row, "use_area", use_areas, default="other")
        range_min, range_max = c.number(row, "range_min"), c.number(row, "range_max")
        if range_min is not None and range_max is not None and range_max < range_min:
            c.fail("range_max", "is below range_min")
        part_of = None
        code = row.get("part_of_standard", "")
        if code and owner is not None:
            part_of, holder = standards.get(code, (None, None))
            refusal = write_rules.equipment_refusal(owner.pk, holder, code)
            if refusal is not None:
                c.fail("part_of_standard", refusal)
        if owner is not None:
            key = (owner.pk, row.get("serial_number", ""))
            if key in existing:
                c.fail("serial_number", f"{key[1]!r} is already registered for this owner")
            elif key in seen:
                c.fail("serial_number", f"{key[1]!r} repeats row {seen[key]}")
            seen[key] = c.row
        if owner is None:
            continue
        objects.append(
            {
                "owner_id": owner.pk,
                "name": row.get("name", ""),
                "category_id": category.pk if category is not None else None,
                "quantity_id": quantity.pk if quantity is not None else None,
                "use_area": use_area,
                "location": row.get("location", ""),
                "division_code": row.get("division_code", ""),
                "serial_number": row.get("serial_number", ""),
                "maker": row.get("maker", ""),
                "model": row.get("model", ""),
                "cpa_mark": row.get("cpa_mark", ""),
                "range_min": range_min,
                "range_max": range_max,
                "unit": row.get("unit", ""),
                "accuracy_class": row.get("accuracy_class", ""),
                "mpe": c.number(row, "mpe"),
                "part_of_standard_id": part_of,
            }
        )
    return objects, None


def _build_standards(
    rows: list[dict[str, str]], user: Any, c: _Checker
) -> tuple[list[MeasurementStandard], Any]:
    owners = _own_institutions(user, rows, c, "institution_uscc")
    quantities = {q.code: q for q in Quantity.objects.all()}
    existing_codes = set(MeasurementStandard.objects.values_list("code", flat=True))
    existing_exam = set(ExaminationCertificate.objects.values_list("number", flat=True))
    kinds = [k.value for k in MeasurementStandard.Kind]
    seen: dict[str, int] = {}
    objects, exams = [], []
    for index, row in enumerate(rows):
        c.row = _row_no(row, index)
        kind = c.choice(row, "kind", kinds)
        quantity = quantities.get(row.get("quantity", ""))
        if quantity is None:
            c.fail("quantity", f"unknown quantity {row.get('quantity')!r}")
        code = row.get("code", "")
        if not code:
            c.fail("code", "is required")
        elif code in existing_codes:
            c.fail("code", f"{code!r} is already registered")
        elif code in seen:
            c.fail("code", f"{code!r} repeats row {seen[code]}")
        seen[code] = c.row
        lo, hi = c.number(row, "range_min", True), c.number(row, "range_max", True)
        if lo is not None and hi is not None and hi < lo:
            c.fail("range_max", "is below range_min")
        standard = MeasurementStandard(
            institution=owners.get(row.get("institution_uscc", "")),
            name=row.get("name", ""),
            kind=kind,
            code=code,
            quantity=quantity,
            range_min=lo or 0.0,
            range_max=hi or 0.0,
            unit=row.get("unit", ""),
            expanded_uncertainty=c.number(row, "expanded_uncertainty"),
            uncertainty_is_relative=row.get("uncertainty_is_relative", "").lower()
            in ("1", "true", "yes"),
            accuracy_class=row.get("accuracy_class", ""),
            mpe=c.number(row, "mpe"),
        )
        if kind == MeasurementStandard.Kind.NATIONAL_PRIMARY and code:
            try:
                standard.clean()
            except ValidationError as exc:
                for msg in exc.message_dict.get("code", []):
                    c.fail("code", msg)
        exam_no = row.get("exam_certificate_number", "")
        if exam_no:
            issued = c.date(row, "exam_issued_on", required=True)
            syntax = write_rules.number_problem(exam_no)
            if syntax is not None:
                c.fail("exam_certificate_number", syntax)
            elif exam_no in existing_exam:
                c.fail("exam_certificate_number", f"{exam_no!r} is already registered")
            if issued is not None:
                exams.append((len(objects), exam_no, issued))
        objects.append(standard)
    return objects, exams


def _build_certificates(
    rows: list[dict[str, str]], user: Any, c: _Checker
) -> tuple[list[dict[str, Any]], Any]:
    """Certificates are checked column by column (certificate_rows: the hot path at 10^4)."""
    numbers = [_row_no(row, index) for index, row in enumerate(rows)]
    objects, links, problems = certificate_rows.check_certificates(rows, numbers, user)
    c.errors += [RowError(c.file, numbers[index], name, reason) for index, name, reason in problems]
    return objects, links


@transaction.atomic
def _write(
    kind: str,
    objects: list[Any],
    extra: Any,
    user: Any,
    progress: Progress | None,
    source: _Source,
) -> ImportResult:
    """Write validated rows with raw multi-row inserts (executemany / COPY), one transaction."""
    if kind == "standards":
        return _write_standards(objects, extra, user, progress, source)
    model: type[Model] = Instrument if kind == "instruments" else Certificate
    ids: list[int] = []
    for start in range(0, len(objects), BATCH):
        chunk = objects[start : start + BATCH]
        ids += insert_dicts(model, chunk)
        if progress:
            progress(len(chunk))
    if kind == "certificates":
        s_through = Certificate.standards_used.through
        m_through = Certificate.materials_used.through
        s_rows, m_rows = [], []
        for row, (stds, mats, _owner) in zip(objects, extra, strict=True):
            s_rows += [(row["id"], s, row["instrument_id"]) for s in stds]
            m_rows += [(row["id"], m) for m in mats]
        insert_rows(
            s_through._meta.db_table,
            ["certificate_id", "measurementstandard_id", "instrument_id"],
            s_rows,
        )
        insert_rows(m_through._meta.db_table, ["certificate_id", "referencematerial_id"], m_rows)
        refresh_due_dates({row["instrument_id"] for row in objects})
        # worked on, never a customer relation: the owner decides those (issue 12)
        note_worked((row["issuer_id"], row["instrument_id"]) for row in objects)
        transaction.on_commit(
            lambda: signals.certificates_imported.send(sender=Certificate, certificate_ids=ids)
        )
    plain = snapshot_maker(model)
    _record_created(user, model, [(row["id"], plain(row)) for row in objects], source)
    return ImportResult(kind, len(ids), ids)


def _write_standards(
    objects: list[MeasurementStandard],
    exams_wanted: Any,
    user: Any,
    progress: Progress | None,
    source: _Source,
) -> ImportResult:
    """Standards are few and need their model's checks: written as instances."""
    insert_objects(objects)
    if progress:
        progress(len(objects))
    exams = [
        ExaminationCertificate(
            standard=objects[index],
            number=number,
            issued_on=issued,
            valid_until=rules.examination_valid_until(issued),
        )
        for index, number, issued in exams_wanted
    ]
    insert_objects(exams)
    transaction.on_commit(
        lambda: signals.standards_imported.send(
            sender=MeasurementStandard, standards=objects, examination_certificates=exams
        )
    )
    _record_created(user, MeasurementStandard, [(o.pk, snapshot(o)) for o in objects], source)
    return ImportResult("standards", len(objects), [o.pk for o in objects])


def _record_created(
    user: Any, model: type[Model], created: list[tuple[int, dict[str, Any]]], source: _Source
) -> None:
    """The change log of an import: one bulk creation with every row's values and file row."""
    record_bulk_creation(user, model, created, source=source.file, source_rows=source.rows)
