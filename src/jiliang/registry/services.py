"""Business rules of the registry, shared by the API, the pages and the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language

from jiliang.dbutil import any_of, any_of_filter
from jiliang.registry import due_counts, rules
from jiliang.registry.counting import LARGE_SCOPE, Tally, count_up_to, has_at_least
from jiliang.registry.models import (
    CatalogueItem,
    Certificate,
    ExaminationCertificate,
    Institution,
    Instrument,
    MeasurementStandard,
    Quantity,
    SchemeLevel,
    VerificationScheme,
)
from jiliang.registry.querysets import in_region, region_prefix


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    """Load quantities, the catalogue and the verification schemes from the data files.

    Idempotent: rows are matched by their code and updated to the shipped version.
    """
    counts = {"quantities": 0, "catalogue": 0, "schemes": 0}
    for row in rules.load_data("quantities.yaml")["quantities"]:
        Quantity.objects.update_or_create(code=row["code"], defaults=row)
        counts["quantities"] += 1
    catalogue = rules.load_data("catalogue.yaml")
    for row in catalogue["items"]:
        fields = dict(row)
        quantity = Quantity.objects.get(code=fields.pop("quantity"))
        CatalogueItem.objects.update_or_create(
            number=fields.pop("number"),
            defaults={
                **fields,
                "quantity": quantity,
                "source": catalogue["source"],
                "data_version": catalogue["version"],
            },
        )
        counts["catalogue"] += 1
    for name in ("scheme_mass.yaml",):
        data = rules.load_data(name)
        scheme, _ = VerificationScheme.objects.update_or_create(
            code=data["code"],
            defaults={
                "title_zh": data["title_zh"],
                "title_en": data["title_en"],
                "quantity": Quantity.objects.get(code=data["quantity"]),
                "source": data["code"],
                "data_version": data["version"],
            },
        )
        scheme.levels.all().delete()
        SchemeLevel.objects.bulk_create(
            SchemeLevel(scheme=scheme, **level) for level in data["levels"]
        )
        counts["schemes"] += 1
    return counts


@dataclass(frozen=True)
class MandatoryStatus:
    mandatory: bool
    form: str
    reason: str


def mandatory_status(instrument: Instrument) -> MandatoryStatus:
    """Derived from catalogue item × use area; never stored (ARCHITECTURE rule 4)."""
    item = instrument.category
    if item is None:
        return MandatoryStatus(False, "", "not in the catalogue of instruments under control")
    # the item's name in the page's language (it is stored in both)
    english = (get_language() or "").startswith("en")
    name = item.name_en if english and item.name_en else item.name_zh
    if item.supervision == CatalogueItem.Supervision.P:
        return MandatoryStatus(False, "", f"{name}: pattern approval only")
    if instrument.use_area not in item.mandatory_use_areas:
        return MandatoryStatus(False, "", f"{name} used for {instrument.get_use_area_display()}")
    return MandatoryStatus(True, item.verification_form, f"{name} ({item.number})")


def last_passing_certificate(
    instrument: Instrument, on: dt.date | None = None
) -> Certificate | None:
    qs = Certificate.objects.filter(instrument=instrument, conclusion__in=["pass", "calibrated"])
    if on is not None:
        qs = qs.filter(calibration_date__lte=on)
    return qs.order_by("-calibration_date", "-id").first()


def due_date(instrument: Instrument) -> dt.date | None:
    """Due date = validity of the last passing certificate (or its date + accepted interval)."""
    cert = last_passing_certificate(instrument)
    if cert is None:
        return None
    return _certificate_due(cert.calibration_date, cert.valid_until, instrument.interval_days)


PASSING = ("pass", "calibrated")
_REFRESH_CHUNK = 5000


def refresh_due_dates(instrument_ids: Iterable[int] | None = None) -> int:
    """Recompute the cached `Instrument.due_date` (rule 4: derived, never typed).

    The one function every write path calls (certificate saved, bulk import, demo, interval
    accepted, `jiliang refresh-due`); None means every instrument. Returns rows changed.
    """
    return recompute_due_dates(Instrument, Certificate, instrument_ids)


def certificate_problems(
    kind: str,
    conclusion: str,
    calibrated: dt.date | None,
    issued: dt.date | None,
    valid_until: dt.date | None,
) -> list[tuple[str, str]]:
    """(field, reason) for a certificate whose dates or conclusion contradict each other.

    One rule for every path that writes certificates from user input (the importer,
    amendments); unknown dates (None) are reported elsewhere and skipped here.
    """
    problems = []
    if calibrated and issued and issued < calibrated:
        problems.append(("issued_on", "is before calibration_date"))
    if calibrated and valid_until and valid_until < calibrated:
        problems.append(("valid_until", "is before calibration_date"))
    if kind == Certificate.Kind.NOTICE and conclusion != Certificate.Conclusion.FAIL:
        problems.append(("conclusion", "a verification result notice records a failure"))
    if kind == Certificate.Kind.VERIFICATION and conclusion != Certificate.Conclusion.PASS:
        problems.append(("conclusion", "a verification certificate records a pass"))
    return problems


def refresh_customers(lab_ids: Iterable[int] | None = None) -> int:
    """Add the "worked on" access rows the certificates of these labs (None: all) imply.

    Relations are no longer derived from certificates (issue 12: the owner decides them);
    this is the repair for writes that went around the services. Returns the rows stored.
    """
    from jiliang.registry.customers import refresh_worked

    return refresh_worked(lab_ids)


def recompute_due_dates(
    instrument_model: Any, certificate_model: Any, instrument_ids: Iterable[int] | None
) -> int:
    """Model-agnostic body of `refresh_due_dates` (the migration passes historical models).

    Instruments without an accepted interval (nearly all) take the `valid_until` of their last
    passing certificate in one set-based UPDATE; the few with an interval go through Python
    (`_certificate_due`), since date arithmetic is not portable SQL. A list of ids travels as
    one parameter (a PostgreSQL array, a JSON array in SQLite), so 10^5 ids cost one
    statement that probes the instrument and certificate indexes row by row.
    """
    ids = None if instrument_ids is None else sorted(set(instrument_ids))
    if ids is not None and not ids:
        return 0
    quote = connection.ops.quote_name
    inst = quote(instrument_model._meta.db_table)
    cert = quote(certificate_model._meta.db_table)
    no_interval = "(interval_days IS NULL OR interval_days = 0)"
    # The last passing certificate of the row's instrument, probed by index per row. Only
    # quoted table names are interpolated; every value is a parameter.
    latest = (
        f"(SELECT c.valid_until FROM {cert} c WHERE c.instrument_id = {inst}.id"  # noqa: S608
        " AND c.conclusion IN (%s, %s) ORDER BY c.calibration_date DESC, c.id DESC LIMIT 1)"
    )
    listed, params = "1 = 1", []
    if ids is not None:
        listed, id_param = any_of(f"{inst}.id", ids, "bigint")
        params = [id_param]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {inst} SET due_date = {latest} WHERE {listed}"  # noqa: S608
            f" AND {no_interval} AND due_date IS DISTINCT FROM {latest}",
            [*PASSING, *params, *PASSING],
        )
        changed = max(cursor.rowcount, 0)
    return changed + _recompute_with_interval(instrument_model, certificate_model, ids)


def _recompute_with_interval(
    instrument_model: Any, certificate_model: Any, ids: list[int] | None
) -> int:
    """Instruments with an accepted interval: their due date is computed in Python."""
    with_interval = instrument_model.objects.exclude(interval_days__isnull=True).exclude(
        interval_days=0
    )
    if ids is not None:
        pk = instrument_model._meta.pk.column  # = ANY(array): probes the primary key
        with_interval = with_interval.filter(any_of_filter(instrument_model, pk, ids, "bigint"))
    rows = list(with_interval.values_list("id", "interval_days", "due_date"))
    inst = connection.ops.quote_name(instrument_model._meta.db_table)
    sql = f"UPDATE {inst} SET due_date = %s WHERE id = %s"  # noqa: S608 (table name only)
    changed = 0
    for start in range(0, len(rows), _REFRESH_CHUNK):
        chunk_rows = rows[start : start + _REFRESH_CHUNK]
        last: dict[int, tuple[dt.date, dt.date | None]] = {}
        for pk, calibrated, valid_until in (
            certificate_model.objects.filter(
                instrument_id__in=[r[0] for r in chunk_rows], conclusion__in=PASSING
            )
            .order_by("instrument_id", "-calibration_date", "-id")
            .values_list("instrument_id", "calibration_date", "valid_until")
        ):
            last.setdefault(pk, (calibrated, valid_until))
        updates = []
        for pk, interval, old in chunk_rows:
            found = last.get(pk)
            new = None if found is None else _certificate_due(found[0], found[1], interval)
            if new != old:
                updates.append((new, pk))
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(sql, updates)
        changed += len(updates)
    return changed


def _certificate_due(
    calibrated: dt.date, valid_until: dt.date | None, interval_days: int | None
) -> dt.date | None:
    if interval_days:
        return calibrated + dt.timedelta(days=interval_days)
    return valid_until


def with_due_dates(queryset: QuerySet[Instrument]) -> QuerySet[Instrument]:
    """Annotate `last_valid_until` and `last_calibrated` from the last passing certificate."""
    latest = Certificate.objects.filter(
        instrument=OuterRef("pk"), conclusion__in=["pass", "calibrated"]
    ).order_by("-calibration_date", "-id")
    return queryset.annotate(
        last_valid_until=Subquery(latest.values("valid_until")[:1]),
        last_calibrated=Subquery(latest.values("calibration_date")[:1]),
    )


@dataclass(frozen=True)
class DueEntry:
    instrument_id: int
    name: str
    serial_number: str
    owner: str
    division_code: str
    due: dt.date | None
    state: str  # overdue, due, never


@dataclass(frozen=True)
class _DueWindow:
    """Which instruments of a queryset are due, and since when each state begins."""

    instruments: QuerySet[Instrument]  # in service, of the owner/region asked for
    overdue_before: dt.date  # due + grace < today
    horizon: dt.date  # due within the advance-recall window

    def state_filters(self) -> dict[str, Q]:
        return {
            "overdue": Q(due_date__lt=self.overdue_before),
            "due": Q(due_date__gte=self.overdue_before, due_date__lte=self.horizon),
            "never": Q(due_date__isnull=True),
        }


def _due_window(
    queryset: QuerySet[Instrument],
    today: dt.date | None,
    owner_id: int | None,
    region: str | None,
    advance_days: int | None,
    grace_days: int | None,
) -> _DueWindow:
    today = today or dt.date.today()
    recall = rules.rule("recall", today)
    advance = recall["advance_days"] if advance_days is None else advance_days
    grace = recall["grace_days"] if grace_days is None else grace_days
    qs = queryset.filter(status=Instrument.Status.IN_SERVICE)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if region:
        qs = qs.filter(in_region("division_code", region_prefix(region)))
    return _DueWindow(qs, today - dt.timedelta(days=grace), today + dt.timedelta(days=advance))


_DUE_COLUMNS = ("id", "name", "serial_number", "owner__name_zh", "division_code", "due_date")


def _due_entry(row: dict[str, Any], state: str) -> DueEntry:
    return DueEntry(
        row["id"],
        row["name"],
        row["serial_number"],
        row["owner__name_zh"],
        row["division_code"],
        row["due_date"],
        state,
    )


def due_list(
    queryset: QuerySet[Instrument],
    *,
    today: dt.date | None = None,
    owner_id: int | None = None,
    region: str | None = None,
    advance_days: int | None = None,
    grace_days: int | None = None,
) -> list[DueEntry]:
    """Instruments that are overdue or due within the advance-recall window (exports, API)."""
    window = _due_window(queryset, today, owner_id, region, advance_days, grace_days)
    # The stored due date (a cache kept by refresh_due_dates) is indexed with the owner and
    # the division code, so this is one range scan instead of a subquery per instrument.
    rows = window.instruments.filter(Q(due_date__lte=window.horizon) | Q(due_date__isnull=True))
    entries = []
    for row in rows.values(*_DUE_COLUMNS):
        due = row["due_date"]
        if due is None:
            state = "never"
        elif due < window.overdue_before:
            state = "overdue"
        else:
            state = "due"
        entries.append(_due_entry(row, state))
    entries.sort(key=lambda e: (e.due or dt.date.min, e.instrument_id))
    return entries


def due_owners(user: Any, instruments: QuerySet[Instrument]) -> QuerySet[Institution]:
    """The owners a due list can be narrowed to: those with an instrument in view.

    Probed per institution (10^3). For a scope of ~10^6 instruments the probe asks only
    "owns instruments" (the owner index answers at once): checking each owner's instruments
    against a region scans them all (1.4 s). Choosing an owner with none in view just lists
    nothing; institutions are a public register.
    """
    institutions = Institution.objects.visible_to(user)
    if has_at_least(instruments, LARGE_SCOPE):
        owns = Exists(Instrument.objects.filter(owner_id=OuterRef("pk")))
        return institutions.filter(owns).order_by("name_zh")
    # A small scope is read once for its owners (fewer than LARGE_SCOPE rows): as a subquery,
    # PostgreSQL probed each institution's instruments against a laboratory's "worked on"
    # rows and scanned them all (0.5 s for the national institute's four).
    owners = set(instruments.order_by().values_list("owner_id", flat=True).distinct())
    return institutions.filter(pk__in=sorted(owners)).order_by("name_zh")


class DuePages(Sequence[DueEntry]):
    """The due list as its page shows it, counted and sliced by the database.

    Overdue first, then due within the window, then never verified; each by due date (then
    id). Why not `due_list`: a national or provincial list holds 10^5 entries, and building
    all of them for a page of 25 took 2-3 s.
    """

    def __init__(
        self,
        queryset: QuerySet[Instrument],
        *,
        today: dt.date | None = None,
        owner_id: int | None = None,
        region: str | None = None,
        cap: int | None = None,
        region_scope: str | None = None,
    ) -> None:
        """`cap`: count each state only that far ("10,000+"), for restricted users.
        `region_scope`: the division prefix that is exactly the queryset's scope (with the
        owner and region asked for: due_counts.region_scope); its counts are then read from
        the precomputed table, exact, instead of counting the instruments."""
        window = _due_window(queryset, today, owner_id, region, None, None)
        filters = window.state_filters()
        self._segments = {
            state: window.instruments.filter(condition).order_by("due_date", "id")
            for state, condition in filters.items()
        }
        self.counts: dict[str, Tally]
        self._region_scope, self._window = region_scope, window
        self._walk = owner_id is None  # an owner's rows are read in order from its index
        if region_scope is not None:
            counted = due_counts.state_counts(region_scope, window.overdue_before, window.horizon)
            self.counts = {state: Tally(counted[state]) for state in filters}
        elif cap is None:  # exact, in one pass
            counted = window.instruments.aggregate(
                **{state: Count("id", filter=condition) for state, condition in filters.items()}
            )
            self.counts = {state: Tally(counted[state] or 0) for state in filters}
        else:
            self.counts = {state: count_up_to(rows, cap) for state, rows in self._segments.items()}

    def __len__(self) -> int:
        return sum(tally.value for tally in self.counts.values())

    @overload
    def __getitem__(self, index: int) -> DueEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[DueEntry]: ...

    def __getitem__(self, index: int | slice) -> DueEntry | list[DueEntry]:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _ = index.indices(len(self))
        entries: list[DueEntry] = []
        offset = 0  # where the segment begins in the whole list
        for state, rows in self._segments.items():
            size = self.counts[state].value
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                entries += [_due_entry(r, state) for r in self._rows(state, rows, low, high)]
            offset += size
        return entries

    def _rows(self, state: str, rows: QuerySet[Instrument], low: int, high: int) -> Any:
        """Rows [low, high) of a state's segment. A region's dated states are first narrowed
        to the days that hold them (from the precomputed counts): the database then sorts
        those days' rows, not the whole state's."""
        span = None
        if self._region_scope is not None and state != "never":
            start, end = self._state_days(state)
            span = due_counts.day_span(self._region_scope, start, end, low, high)
        elif self._walk and state != "never" and self.counts[state].value >= due_counts.WALK_FROM:
            # a large scope that is no region (a laboratory's): counted in pieces of days
            start, end = self._state_days(state)
            walked = due_counts.scope_span(rows, start, end, low, high)
            if walked is None:
                return []
            lo, stop, before = walked
            narrowed = rows if lo is None else rows.filter(due_date__gte=lo)
            narrowed = narrowed if stop is None else narrowed.filter(due_date__lt=stop)
            return narrowed.values(*_DUE_COLUMNS)[low - before : high - before]
        if span is None:
            return rows.values(*_DUE_COLUMNS)[low:high]
        first, last, before = span
        narrowed = rows.filter(due_date__gte=first, due_date__lte=last)
        return narrowed.values(*_DUE_COLUMNS)[low - before : high - before]

    def _state_days(self, state: str) -> tuple[dt.date | None, dt.date]:
        """The due days [start, end) of a dated state (start None: from the first)."""
        w = self._window
        if state == "overdue":
            return None, w.overdue_before
        return w.overdue_before, w.horizon + dt.timedelta(days=1)


def examination_certificate_for(
    standard: MeasurementStandard, on: dt.date
) -> ExaminationCertificate | None:
    for cert in standard.examination_certificates.order_by("-issued_on"):
        if cert.is_valid_on(on):
            return cert
    return None


NEEDS_EXAMINATION = {
    MeasurementStandard.Kind.SOCIAL_PUBLIC_HIGHEST,
    MeasurementStandard.Kind.SOCIAL_PUBLIC,
    MeasurementStandard.Kind.DEPARTMENTAL_HIGHEST,
    MeasurementStandard.Kind.ENTERPRISE_HIGHEST,
    MeasurementStandard.Kind.WORKING,
}


def standard_problems(standard: MeasurementStandard, on: dt.date) -> list[str]:
    """Why a standard may not be used on a date (empty list: it may)."""
    problems = []
    if standard.status == MeasurementStandard.Status.RETIRED:
        problems.append("standard is retired")
    if standard.status == MeasurementStandard.Status.NONCONFORMING and (
        standard.nonconforming_since is None or standard.nonconforming_since <= on
    ):
        problems.append(f"standard found nonconforming since {standard.nonconforming_since}")
    if standard.kind in NEEDS_EXAMINATION and examination_certificate_for(standard, on) is None:
        problems.append(f"no valid examination certificate (计量标准考核证书) on {on}")
    if standard.kind != MeasurementStandard.Kind.NATIONAL_PRIMARY:
        equipment = list(standard.equipment.all())
        if not equipment:
            problems.append("no standard equipment recorded: traceability link missing")
        for item in equipment:
            cert = last_passing_certificate(item, on)
            if cert is None:
                problems.append(f"equipment {item.serial_number} has no passing certificate")
                continue
            due = _certificate_due(cert.calibration_date, cert.valid_until, item.interval_days)
            if due is not None and due < on:
                problems.append(
                    f"equipment {item.serial_number}: certificate {cert.number} expired {due}"
                )
    return problems


def certificate_standard_problems(
    standard: MeasurementStandard, issuer_id: int | None, on: dt.date
) -> list[str]:
    """Why a certificate of `issuer_id` calibrated on `on` may not name `standard` (empty: it
    may). One rule for every path that records standards used (import, amendment, issue).

    A certificate names standards its issuer holds (the register is public, but only the
    holder's own standards can have been used; the calibration job chooses among the lab's
    own too), usable on the day: examination certificate valid and the standard's equipment
    rules (`standard_problems`, as the trace-up checks). An external certificate names none.
    """
    if issuer_id is None:
        return [f"an external certificate names no registered standard ({standard.code})"]
    if standard.institution_id != issuer_id:
        return [f"standard {standard.code} is not held by the issuing institution"]
    return [f"{standard.code}: {problem}" for problem in standard_problems(standard, on)]


def selectable_standards(
    *,
    on: dt.date,
    quantity: Quantity | None = None,
    low: float | None = None,
    high: float | None = None,
    max_uncertainty: float | None = None,
    queryset: QuerySet[MeasurementStandard] | None = None,
) -> list[tuple[MeasurementStandard, list[str]]]:
    """The interlock: each candidate standard with the reasons it cannot be chosen."""
    qs = queryset if queryset is not None else MeasurementStandard.objects.all()
    if quantity is not None:
        qs = qs.filter(quantity=quantity)
    from jiliang.registry import figures  # figures as people write them (issue 13 §6)

    result = []
    for standard in qs.prefetch_related("equipment", "examination_certificates"):
        problems = standard_problems(standard, on)
        unit = standard.unit
        if low is not None and high is not None and not standard.covers(low, high):
            problems.append(
                f"range {figures.value_range(standard.range_min, standard.range_max, unit)} "
                f"does not cover {figures.value_range(low, high, unit)}"
            )
        if max_uncertainty is not None:
            u = standard.uncertainty_at(high if high is not None else 0.0)
            if u is None:
                required = figures.limit(max_uncertainty, unit)
                problems.append(f"no uncertainty recorded to compare with the required {required}")
            elif u > max_uncertainty:
                shown, required = figures.uncertainty_against(u, max_uncertainty, unit)
                problems.append(f"uncertainty {shown} exceeds the required {required}")
        result.append((standard, problems))
    return result


def require_usable(standards: list[MeasurementStandard], on: dt.date) -> None:
    """Raise if any standard is overdue, failed or otherwise unusable on the date."""
    from django.core.exceptions import ValidationError

    errors = {}
    for standard in standards:
        problems = standard_problems(standard, on)
        if problems:
            errors[standard.code] = "; ".join(problems)
    if errors:
        raise ValidationError({"standards": [f"{k}: {v}" for k, v in errors.items()]})


def summary_counts(user: Any) -> dict[str, int]:
    from jiliang.registry.models import ReferenceMaterial

    return {
        "institutions": Institution.objects.visible_to(user).count(),
        "standards": MeasurementStandard.objects.visible_to(user).count(),
        "instruments": Instrument.objects.visible_to(user).count(),
        "certificates": Certificate.objects.visible_to(user).count(),
        "materials": ReferenceMaterial.objects.visible_to(user).count(),
    }
