"""The traceability graph: trace up to a primary standard, trace down to every dependant,
chain validation with a reason per broken link, and impact analysis (ISO/IEC 17025 7.10).

Graph: a certificate calibrates one instrument and was made with standards (and reference
materials); a standard is made of equipment (instruments) that carry their own certificates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.db.models import Count, Exists, OuterRef, QuerySet

from jiliang.registry import figures, rules, services
from jiliang.registry.counting import COUNT_CAP, LARGE_SCOPE, Tally, count_up_to, has_at_least
from jiliang.registry.models import (
    Certificate,
    CertificateStandard,
    Instrument,
    MeasurementStandard,
)
from jiliang.registry.querysets import is_admin


@dataclass
class Problem:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class StandardNode:
    standard: MeasurementStandard
    problems: list[Problem] = field(default_factory=list)
    equipment: list[InstrumentNode] = field(default_factory=list)
    terminal: str = ""  # national_primary, external_nmi or "" when traced further

    def as_dict(self) -> dict[str, Any]:
        s = self.standard
        return {
            "type": "standard",
            "id": s.pk,
            "code": s.code,
            "name": s.name,
            "kind": s.kind,
            "institution": s.institution.name_zh,
            "terminal": self.terminal,
            "problems": [p.as_dict() for p in self.problems],
            "equipment": [e.as_dict() for e in self.equipment],
        }


@dataclass
class InstrumentNode:
    instrument: Instrument
    certificate: Certificate | None
    problems: list[Problem] = field(default_factory=list)
    standards: list[StandardNode] = field(default_factory=list)
    external: str = ""

    def as_dict(self) -> dict[str, Any]:
        i, c = self.instrument, self.certificate
        return {
            "type": "instrument",
            "id": i.pk,
            "name": i.name,
            "serial_number": i.serial_number,
            "certificate": None
            if c is None
            else {
                "id": c.pk,
                "number": c.number,
                "issuer": c.issuer.name_zh if c.issuer else c.external_issuer,
                "calibration_date": c.calibration_date.isoformat(),
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "conclusion": c.conclusion,
                "cmc_reference": c.cmc_reference,
            },
            "external": self.external,
            "problems": [p.as_dict() for p in self.problems],
            "standards": [s.as_dict() for s in self.standards],
        }


@dataclass
class TraceUp:
    root: InstrumentNode | StandardNode

    @property
    def problems(self) -> list[tuple[str, Problem]]:
        found: list[tuple[str, Problem]] = []

        def walk(node: InstrumentNode | StandardNode) -> None:
            label = (
                node.standard.code
                if isinstance(node, StandardNode)
                else f"{node.instrument.name} {node.instrument.serial_number}"
            )
            found.extend((label, p) for p in node.problems)
            children = node.equipment if isinstance(node, StandardNode) else node.standards
            for child in children:
                walk(child)

        walk(self.root)
        return found

    @property
    def valid(self) -> bool:
        return not self.problems

    def terminals(self) -> list[str]:
        ends: list[str] = []

        def walk(node: InstrumentNode | StandardNode) -> None:
            if isinstance(node, StandardNode):
                if node.terminal:
                    ends.append(f"{node.terminal}:{node.standard.code}")
                for child in node.equipment:
                    walk(child)
            else:
                if node.external:
                    ends.append(f"external_nmi:{node.external}")
                for child in node.standards:
                    walk(child)

        walk(self.root)
        return ends

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "terminals": self.terminals(),
            "problems": [{"at": at, **p.as_dict()} for at, p in self.problems],
            "chain": self.root.as_dict(),
        }


def _ratio_threshold(on: dt.date) -> float | None:
    """The minimum MPE/U ratio in force on a date; None before any version applied."""
    try:
        return float(rules.rule("traceability", on)["min_uncertainty_ratio"])
    except LookupError:
        return None


def _trace_instrument(
    instrument: Instrument, on: dt.date, visited: set[int], depth: int
) -> InstrumentNode:
    cert = services.last_passing_certificate(instrument, on)
    node = InstrumentNode(instrument, cert)
    if cert is None:
        any_cert = Certificate.objects.filter(instrument=instrument, calibration_date__lte=on)
        reason = "failed" if any_cert.exists() else "missing link: no certificate"
        node.problems.append(Problem("missing_link", f"{reason} for {instrument.serial_number}"))
        return node
    due = services._certificate_due(
        cert.calibration_date, cert.valid_until, instrument.interval_days
    )
    if due is not None and due < on:
        node.problems.append(
            Problem("certificate_expired", f"certificate {cert.number} expired on {due}")
        )
    if cert.issuer_id is None:
        node.external = cert.external_issuer + (
            f" CMC {cert.cmc_reference}" if cert.cmc_reference else ""
        )
        if not cert.cmc_reference:
            node.problems.append(
                Problem("external_without_cmc", f"{cert.external_issuer}: no CMC reference")
            )
        return node
    used_on = cert.calibration_date
    for material in cert.materials_used.all():
        if material.expiry < used_on:
            node.problems.append(
                Problem(
                    "material_expired",
                    f"{material.gbw_number} expired {material.expiry}, used {used_on}",
                )
            )
    standards = list(cert.standards_used.select_related("institution"))
    if not standards and not cert.materials_used.exists():
        node.problems.append(
            Problem("missing_link", f"certificate {cert.number} names no standard")
        )
    threshold = _ratio_threshold(used_on)
    for standard in standards:
        child = _trace_standard(standard, used_on, visited, depth + 1)
        if (
            instrument.range_min is not None
            and instrument.range_max is not None
            and (
                standard.unit == instrument.unit
                and not standard.covers(instrument.range_min, instrument.range_max)
            )
        ):
            held = figures.value_range(standard.range_min, standard.range_max, standard.unit)
            needed = figures.value_range(
                instrument.range_min, instrument.range_max, instrument.unit
            )
            child.problems.append(Problem("out_of_range", f"range {held} does not cover {needed}"))
        u = standard.uncertainty_at(instrument.range_max or 0.0)
        if threshold is not None and u and instrument.mpe and standard.unit == instrument.unit:
            ratio = instrument.mpe / u
            if ratio < threshold:
                child.problems.append(
                    Problem(
                        "uncertainty_ratio",
                        f"MPE/U = {figures.ratio(ratio)} below {figures.quantity(threshold)}",
                    )
                )
        node.standards.append(child)
    return node


def _trace_standard(
    standard: MeasurementStandard, on: dt.date, visited: set[int], depth: int
) -> StandardNode:
    node = StandardNode(standard)
    if standard.status == MeasurementStandard.Status.NONCONFORMING and (
        standard.nonconforming_since is None or standard.nonconforming_since <= on
    ):
        node.problems.append(
            Problem("nonconforming", f"found nonconforming since {standard.nonconforming_since}")
        )
    if standard.kind == MeasurementStandard.Kind.NATIONAL_PRIMARY:
        node.terminal = "national_primary"
        return node
    if (
        standard.kind in services.NEEDS_EXAMINATION
        and services.examination_certificate_for(standard, on) is None
    ):
        node.problems.append(
            Problem("examination_expired", f"no valid examination certificate on {on}")
        )
    if standard.pk in visited or depth > 30:
        node.problems.append(Problem("cycle", "the chain returns to a standard already traced"))
        return node
    visited = visited | {standard.pk}
    equipment = list(standard.equipment.all())
    if not equipment:
        node.problems.append(Problem("missing_link", "no standard equipment recorded"))
    for item in equipment:
        node.equipment.append(_trace_instrument(item, on, visited, depth + 1))
    return node


def trace_up(obj: Instrument | MeasurementStandard, on: dt.date | None = None) -> TraceUp:
    """Every link from an instrument or standard up to primary standards or external NMIs."""
    on = on or dt.date.today()
    if isinstance(obj, MeasurementStandard):
        return TraceUp(_trace_standard(obj, on, set(), 0))
    return TraceUp(_trace_instrument(obj, on, set(), 0))


FEW = 1000  # found ids up to which a page is read by id


def bounded(
    queryset: QuerySet[Any], cap: int, *, probe: bool = True
) -> tuple[Sequence[Any], Tally]:
    """The queryset's size up to `cap`, and what to page through (sliceable, in its order).

    Why: a page wants the rows in an order (latest first, by id). Read without the order, the
    matches come from their own indexes; when they are few, the page reads them by id, where
    `ORDER BY date LIMIT 25` would walk the date index past 2x10^6 certificates to find a
    user's 29. When they are more than `cap`, the page walks the order and probes each row
    (`ProbedPages`), where SQLite would otherwise gather and sort ~10^6 matches; `probe`
    False for a queryset that already does so (`TraceDown`'s lists).
    """
    ids = list(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
    if len(ids) > cap:
        return (ProbedPages(queryset, cap) if probe else queryset), Tally(cap, True)
    if len(ids) <= FEW:
        queryset = queryset.filter(pk__in=ids)
    return queryset, Tally(len(ids))


class ProbedPages(Sequence[Any]):
    """A queryset with many matches, paged by walking its order and probing each row.

    A page's ids come from `model WHERE EXISTS (queryset row with this id) ORDER BY …`, which
    reads the order's index and stops after the page; the page's rows then come from the
    queryset itself (its joins, annotations and order) for those ids only.
    """

    def __init__(self, queryset: QuerySet[Any], cap: int) -> None:
        self.queryset = queryset
        self.cap = cap
        model = queryset.model
        order = list(queryset.query.order_by or model._meta.ordering or ["pk"])
        probe = queryset.order_by().filter(pk=OuterRef("pk"))
        self._ids = model._default_manager.filter(Exists(probe)).order_by(*order)

    def __len__(self) -> int:  # only the pages up to the cap are offered
        return self.cap

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = list(self._ids.values_list("pk", flat=True)[index])
        return list(self.queryset.filter(pk__in=ids))


@dataclass(frozen=True)
class TraceDown:
    standards: list[int]
    certificate_ids: QuerySet[Certificate]
    instrument_ids: QuerySet[Instrument]
    levels: list[dict[str, int]]
    restricted: bool = True
    user: Any = None
    _scope_sizes: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def _edges(self) -> QuerySet[CertificateStandard]:
        return CertificateStandard.objects.filter(measurementstandard_id__in=self.standards)

    def _large_scope(self, model: Any) -> bool:
        """Whether a restricted user sees many rows of `model` (cached per trace).

        Why it matters: a scope of a few thousand rows is best read from its own index and
        checked against the links (`pk IN (visible)`); a scope of ~10^6 rows (a province's
        regulator, a city laboratory) would be built whole for every page, so instead each
        dependant is checked against the scope as it is read, and reading stops early.
        """
        label = model._meta.label
        if label not in self._scope_sizes:
            visible = model.objects.visible_to(self.user)
            self._scope_sizes[label] = has_at_least(visible, LARGE_SCOPE)
        return self._scope_sizes[label]

    def _dependent(self, model: Any, link_column: str) -> QuerySet[Any]:
        edges = self._edges().filter(**{link_column: OuterRef("pk")})
        found = model.objects.filter(Exists(edges))
        if not self.restricted:
            return found
        visible = model.objects.visible_to(self.user)
        if self._large_scope(model):  # probe each row read: the page stops after 25
            return found.filter(Exists(visible.filter(pk=OuterRef("pk"))))
        return found.filter(pk__in=visible.values("pk"))

    def certificates_newest_first(self) -> QuerySet[Certificate]:
        """The dependent certificates, latest calibration first, for paging.

        Why not `certificate_ids` (id IN subquery): with ~10^6 dependants the database builds
        and sorts them all for one page; walking the (calibration_date, id) index backwards and
        probing the links (EXISTS) stops after a page (1 ms instead of 0.5 s at 2x10^6).
        """
        return self._dependent(Certificate, "certificate_id").order_by("-calibration_date", "-id")

    def instruments_in_order(self) -> QuerySet[Instrument]:
        """The dependent instruments by id, for paging (EXISTS probes, as above)."""
        return self._dependent(Instrument, "instrument_id").order_by("id")

    def counts(self) -> tuple[int, int]:
        """(certificates, instruments) that depend on the standards, exactly.

        Unrestricted (an administrator, or the CLI's whole-registry view): both distinct
        counts come from one index over the links, which carry the instrument, so no
        certificate row is read (under a second at 2x10^6 certificates). Restricted users
        count their visible rows, which at national scale can take seconds: pages and the
        API use `page_counts`.
        """
        if self.restricted:
            return self.certificate_ids.count(), self.instrument_ids.count()
        found = self._edges().aggregate(
            certificates=Count("certificate_id", distinct=True),
            instruments=Count("instrument_id", distinct=True),
        )
        return found["certificates"], found["instruments"]

    def page_counts(self, cap: int | None = None) -> tuple[Tally, Tally]:
        """(certificates, instruments) for a page: exact, or "more than cap" (default
        COUNT_CAP) for a restricted user with that many (counting all reads ~10^6 rows)."""
        cap = COUNT_CAP if cap is None else cap
        if not self.restricted:
            certificates, instruments = self.counts()
            return Tally(certificates), Tally(instruments)
        return (
            count_up_to(self._dependent(Certificate, "certificate_id"), cap),
            count_up_to(self._dependent(Instrument, "instrument_id"), cap),
        )


def trace_down(standard: MeasurementStandard, user: Any = None, restrict: bool = True) -> TraceDown:
    """Every certificate and instrument that depends on a standard, at any depth.

    One query per level of the chain: the frontier of standards, the certificates made with
    them, and the standards whose equipment those certificates calibrated.
    """
    links = CertificateStandard.objects
    seen = {standard.pk}
    frontier = [standard.pk]
    levels = []
    while frontier:
        # Walk from the few instruments that are standard equipment, not from every
        # certificate made with the frontier (10^6 rows at national scale).
        used = links.filter(measurementstandard_id__in=frontier, instrument_id=OuterRef("pk"))
        next_standards = (
            set(
                Instrument.objects.filter(part_of_standard__isnull=False)
                .filter(Exists(used))
                .order_by()
                .values_list("part_of_standard_id", flat=True)
                .distinct()
            )
            - seen
        )
        levels.append({"standards": len(frontier), "next": len(next_standards)})
        seen |= next_standards
        frontier = sorted(next_standards)
    # Semi-joins (id IN subquery): no duplicate rows, so no DISTINCT over whole rows; both
    # subqueries are index-only scans of the links (which carry the instrument).
    edges = links.filter(measurementstandard_id__in=seen)
    certificates = Certificate.objects.filter(pk__in=edges.values("certificate_id"))
    instruments = Instrument.objects.filter(pk__in=edges.values("instrument_id"))
    restricted = restrict and not is_admin(user)
    if restricted:  # an admin sees everything: no extra subquery
        certificates = certificates.filter(pk__in=Certificate.objects.visible_to(user).values("pk"))
        instruments = instruments.filter(pk__in=Instrument.objects.visible_to(user).values("pk"))
    return TraceDown(sorted(seen), certificates, instruments, levels, restricted, user)


@dataclass(frozen=True)
class ImpactRow:
    certificate: str
    issued_on: dt.date
    calibration_date: dt.date
    instrument: str
    serial_number: str
    customer: str
    customer_id: int
    via_standard: str


def impact(
    standard: MeasurementStandard, nonconforming_on: dt.date, user: Any = None
) -> tuple[dt.date | None, list[ImpactRow]]:
    """Certificates issued with the standard (or anything traced to it) since its last good
    calibration before the nonconformity was found — the customers to notify."""
    last_good: dt.date | None = None
    for item in standard.equipment.all():
        cert = services.last_passing_certificate(item, nonconforming_on)
        if cert is not None and (last_good is None or cert.calibration_date < last_good):
            last_good = cert.calibration_date
    down = trace_down(standard, user)
    qs = down.certificate_ids.filter(calibration_date__lte=nonconforming_on)
    if last_good is not None:
        qs = qs.filter(calibration_date__gte=last_good)
    rows = []
    for cert in (
        qs.select_related("instrument__owner")
        .prefetch_related("standards_used")
        .order_by("calibration_date", "number")
    ):
        via = ", ".join(s.code for s in cert.standards_used.all() if s.pk in down.standards)
        rows.append(
            ImpactRow(
                cert.number,
                cert.issued_on,
                cert.calibration_date,
                cert.instrument.name,
                cert.instrument.serial_number,
                cert.instrument.owner.name_zh,
                cert.instrument.owner_id,
                via,
            )
        )
    return last_good, rows
