"""Business rules of networked taximeters: registry, regulator keys, signed tariff packages,
fleet campaigns over simulated meters, broken-seal alerts; every package and every seal event
goes to the transparency log.

The meter side (what a meter accepts, its event logger) is the pure core jiliang.taximeter;
here the platform decides who may do what and keeps the authorised state of every meter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from jiliang.ledger import keys as ledger_keys
from jiliang.ledger.services import Item, append
from jiliang.registry.models import Certificate, Institution, Instrument
from jiliang.registry.querysets import is_admin
from jiliang.taximeter import (
    Decision,
    Meter,
    MeterReport,
    OfferResult,
    PackageError,
    ParameterError,
    Scope,
    TariffParameters,
    format_time,
    open_package,
    seal_discrepancies,
    sign_package,
)
from jiliang.taximeter import (
    TariffPackage as CorePackage,
)
from jiliang.taximeters.models import (
    Campaign,
    CampaignTarget,
    RegulatorKey,
    SealAlert,
    TariffPackage,
    TaxiMeter,
)
from jiliang.trust import ED25519, KeyEntry, KeyRing, LogRecord, SignerKey, VerifierKey

TAXIMETER_CATALOGUE_ITEM = "C06"
SEAL_EVENT = "taximeter.seal_event"
SEAL_BROKEN = "taximeter.seal_broken"


class TaximeterRuleError(Exception):
    """Bad input: which field and why; nothing was changed."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class NotAllowed(TaximeterRuleError):
    """The user may not do this (403)."""


def _is_regulator(user: Any) -> bool:
    inst = getattr(user, "institution", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.role == "regulator"
        and inst is not None
        and inst.kind == Institution.Kind.REGULATOR
    )


def require_regulator(user: Any) -> Institution:
    """The user's regulator institution, or NotAllowed."""
    if not _is_regulator(user):
        raise NotAllowed("user", "only a market regulator may do this")
    institution: Institution = user.institution
    return institution


# -- keys -----------------------------------------------------------------------------------


def regulator_signer(institution: Institution) -> SignerKey:
    """The regulator's signing key: env JILIANG_REGULATOR_KEY_<USCC>, else generated into
    DATA_DIR/keys/regulator-<USCC>.key (0600) on first use. Its public key is published."""
    signer = ledger_keys.load_or_create(
        f"JILIANG_REGULATOR_KEY_{institution.uscc}",
        f"regulator-{institution.uscc}.key",
        f"regulator.{institution.uscc}",
        ED25519,
    )
    RegulatorKey.objects.get_or_create(
        vkey=str(signer.verifier()), defaults={"institution": institution}
    )
    return signer


def trusted_regulator_keys() -> KeyRing:
    """Every published regulator key (what the meters are provisioned with)."""
    return KeyRing(
        KeyEntry(VerifierKey.parse(v), "regulator", "retired" if s == "retired" else "active")
        for v, s in RegulatorKey.objects.order_by("id").values_list("vkey", "status")
    )


# -- registry of meters ---------------------------------------------------------------------


def parameters_from(value: Any, where: str = "parameters") -> TariffParameters:
    try:
        return TariffParameters.from_json_value(value, where)
    except ParameterError as exc:
        raise TaximeterRuleError(where, str(exc)) from None


def register_meter(
    user: Any,
    instrument: Instrument,
    *,
    vehicle_plate: str,
    meter_serial: str,
    parameters: Mapping[str, Any],
    pattern_approval: str = "",
    verification_certificate: Certificate | None = None,
    fleet: str | None = None,
) -> TaxiMeter:
    """Register a taximeter (owner company, a regulator of its region, or an admin)."""
    if not Instrument.objects.visible_to(user).filter(pk=instrument.pk).exists():
        raise NotAllowed("instrument", "not visible to you")
    if not (is_admin(user) or _is_regulator(user) or user.institution_id == instrument.owner_id):
        raise NotAllowed("instrument", "only its owner or a regulator registers a taximeter")
    if instrument.category is None or instrument.category.number != TAXIMETER_CATALOGUE_ITEM:
        raise TaximeterRuleError("instrument", "must be a taximeter (catalogue item C06)")
    fleet_id = fleet or instrument.owner.uscc
    try:
        Scope("meter", meter_serial)
        Scope("fleet", fleet_id)
    except PackageError as exc:
        raise TaximeterRuleError("meter_serial", str(exc)) from None
    params = parameters_from(parameters)
    if verification_certificate is not None and verification_certificate.instrument_id != (
        instrument.pk
    ):
        raise TaximeterRuleError("verification_certificate", "is for another instrument")
    if TaxiMeter.objects.filter(meter_serial=meter_serial).exists():
        raise TaximeterRuleError("meter_serial", f"{meter_serial!r} is already registered")
    if TaxiMeter.objects.filter(vehicle_plate=vehicle_plate).exists():
        raise TaximeterRuleError("vehicle_plate", f"{vehicle_plate!r} is already registered")
    return TaxiMeter.objects.create(
        instrument=instrument,
        vehicle_plate=vehicle_plate,
        meter_serial=meter_serial,
        fleet=fleet_id,
        pattern_approval=pattern_approval or instrument.cpa_mark,
        verification_certificate=verification_certificate,
        parameters=params.to_json_value(),
        parameter_hash=params.parameter_hash(),
    )


# -- tariff packages ------------------------------------------------------------------------


def create_package(
    user: Any,
    *,
    scope_kind: str,
    scope_id: str,
    parameters: Mapping[str, Any],
    effective_at: dt.datetime,
    version: int | None = None,
) -> TariffPackage:
    """A regulator signs a tariff package; the version must exceed every earlier one of
    this regulator. The package is appended to the transparency log in the same transaction."""
    regulator = require_regulator(user)
    params = parameters_from(parameters)
    if timezone.is_naive(effective_at):
        raise TaximeterRuleError("effective_at", "must carry a time zone")
    try:
        scope = Scope(scope_kind, scope_id)  # type: ignore[arg-type]
    except PackageError as exc:
        raise TaximeterRuleError("scope", str(exc)) from None
    signer = regulator_signer(regulator)
    with transaction.atomic():
        key_row = RegulatorKey.objects.select_for_update().get(vkey=str(signer.verifier()))
        latest = (
            TariffPackage.objects.filter(regulator=regulator).aggregate(v=Max("version"))["v"] or 0
        )
        chosen = latest + 1 if version is None else version
        if chosen <= latest:
            raise TaximeterRuleError(
                "version", f"{chosen} is not above the latest version {latest} of this regulator"
            )
        try:
            package = CorePackage(scope, chosen, effective_at, params)
        except PackageError as exc:
            raise TaximeterRuleError("version", str(exc)) from None
        note = sign_package(package, signer)
        (index,) = append(
            [
                Item(
                    package.to_record(),
                    "tariff_package",
                    f"{regulator.uscc}/v{chosen}",
                    f"taximeter.tariff_package:{regulator.uscc}:{chosen}",
                    regulator.pk,
                    regulator.pk,
                )
            ]
        )
        return TariffPackage.objects.create(
            regulator=regulator,
            created_by=user,
            scope_kind=scope.kind,
            scope_id=scope.ident,
            version=chosen,
            effective_at=package.effective_at,
            parameters=params.to_json_value(),
            parameter_hash=params.parameter_hash(),
            signed_note=note,
            signer_vkey=key_row.vkey,
            log_index=index,
        )


# -- campaigns ------------------------------------------------------------------------------


def addressed_meters(user: Any, package: TariffPackage) -> Any:
    """Meters of the regulator's region that the package addresses."""
    meters = TaxiMeter.objects.visible_to(user)
    if package.scope_kind == "fleet":
        return meters.filter(fleet=package.scope_id)
    return meters.filter(meter_serial=package.scope_id)


def start_campaign(user: Any, package: TariffPackage) -> Campaign:
    """Create the campaign and one pending target per addressed meter (bulk)."""
    regulator = require_regulator(user)
    if package.regulator_id != regulator.pk:
        raise NotAllowed("package", "only the regulator who signed a package pushes it")
    ids = list(addressed_meters(user, package).values_list("pk", flat=True))
    if not ids:
        raise TaximeterRuleError("package", "addresses no meter in your region")
    with transaction.atomic():
        campaign = Campaign.objects.create(package=package, created_by=user)
        CampaignTarget.objects.bulk_create(
            (CampaignTarget(campaign=campaign, meter_id=pk) for pk in ids), batch_size=2000
        )
    return campaign


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """Number of meters pending / applied / rejected, and open alerts."""
    counts = {s.value: 0 for s in CampaignTarget.Status}
    for row in campaign.targets.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["alerts"] = SealAlert.objects.filter(campaign=campaign).count()
    return counts


def _seal_item(meter: Any, body: dict[str, Any], record_type: str = SEAL_EVENT) -> Item:
    return Item(
        LogRecord(record_type, 1, {"meter": meter.meter_serial, "fleet": meter.fleet, **body}),
        "taximeter",
        meter.meter_serial,
        None,
        meter.instrument.owner_id,
        None,
    )


def record_outcomes(
    campaign: Campaign, outcomes: Mapping[str, OfferResult], now: dt.datetime
) -> dict[str, int]:
    """Store what each meter did with the campaign's package (bulk) and log seal events."""
    package = campaign.package
    targets = {
        t.meter.meter_serial: t
        for t in campaign.targets.select_related("meter__instrument").filter(
            meter__meter_serial__in=list(outcomes)
        )
    }
    unknown = sorted(set(outcomes) - set(targets))
    if unknown:
        raise TaximeterRuleError("outcomes", f"meters not in this campaign: {unknown[:5]}")
    when = format_time(now)
    applied, rejected, items = [], [], []
    for serial, outcome in outcomes.items():
        target = targets[serial]
        if outcome.decision is Decision.APPLIED:
            applied.append(target)
            body: dict[str, Any] = {"event": "package_applied", "version": package.version}
        elif outcome.decision is Decision.REJECTED:
            rejected.append((target, outcome))
            body = {
                "event": "package_rejected",
                "version": outcome.version,
                "reasons": list(outcome.reasons),
            }
        else:
            continue
        body.update({"time": when, "campaign": campaign.pk})
        items.append(_seal_item(target.meter, body))
    with transaction.atomic():
        _mark_applied(campaign, [t.pk for t in applied], [t.meter_id for t in applied], now)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {CampaignTarget._meta.db_table} SET status = %s, reasons = %s, "  # noqa: S608
                "updated = %s WHERE id = %s",
                [
                    (
                        CampaignTarget.Status.REJECTED,
                        "; ".join(o.reasons),
                        connection.ops.adapt_datetimefield_value(now),
                        t.pk,
                    )
                    for t, o in rejected
                ],
            )
        append(items)
    return campaign_counts(campaign)


def _mark_applied(
    campaign: Campaign, target_ids: list[int], meter_ids: list[int], now: dt.datetime
) -> None:
    """Targets applied; the meters' authorised state becomes the package (one change more)."""
    package = campaign.package
    for start in range(0, len(target_ids), 900):
        CampaignTarget.objects.filter(pk__in=target_ids[start : start + 900]).update(
            status=CampaignTarget.Status.APPLIED, reasons="", updated=now
        )
    from django.db.models import F

    for start in range(0, len(meter_ids), 900):
        TaxiMeter.objects.filter(pk__in=meter_ids[start : start + 900]).update(
            authorised_version=package.version,
            authorised_changes=F("authorised_changes") + 1,
            parameters=package.parameters,
            parameter_hash=package.parameter_hash,
        )


@dataclass(frozen=True)
class ReportOutcome:
    """How many reports were checked, which broke the seal, how many pending ones applied."""

    checked: int
    broken: list[str]
    newly_applied: int


def record_reports(
    reports: Iterable[MeterReport], now: dt.datetime, campaign: Campaign | None = None
) -> ReportOutcome:
    """Compare each meter's report with what was authorised; raise broken-seal alerts.

    A pending target whose meter now reports the campaign's version (its package became
    effective) is marked applied first. Any other difference in parameter hash, tariff
    version or event counter is a broken seal: an alert and a taximeter.seal_broken entry.
    """
    by_serial = {r.serial: r for r in reports}
    meters = {
        m.meter_serial: m
        for m in TaxiMeter.objects.select_related("instrument").filter(
            meter_serial__in=list(by_serial)
        )
    }
    unknown = sorted(set(by_serial) - set(meters))
    if unknown:
        raise TaximeterRuleError("serial", f"unregistered meter(s): {unknown[:5]}")
    with transaction.atomic():
        newly = 0
        if campaign is not None:
            version = campaign.package.version
            pending = list(
                campaign.targets.filter(status=CampaignTarget.Status.PENDING).values_list(
                    "pk", "meter__meter_serial", "meter_id"
                )
            )
            ready = [
                (pk, mid)
                for pk, serial, mid in pending
                if serial in by_serial and by_serial[serial].tariff_version == version
            ]
            _mark_applied(campaign, [p for p, _ in ready], [m for _, m in ready], now)
            newly = len(ready)
            if ready:
                meters = {
                    m.meter_serial: m
                    for m in TaxiMeter.objects.select_related("instrument").filter(
                        meter_serial__in=list(by_serial)
                    )
                }
        broken: list[str] = []
        items: list[Item] = []
        alerts: list[SealAlert] = []
        rows = []
        when = format_time(now)
        for serial, report in by_serial.items():
            meter = meters[serial]
            problems = seal_discrepancies(
                report, meter.authorised_version, meter.parameter_hash, meter.authorised_changes
            )
            rows.append(
                (
                    report.tariff_version,
                    report.parameter_hash,
                    report.event_counter,
                    connection.ops.adapt_datetimefield_value(now),
                    not problems,
                    meter.pk,
                )
            )
            if problems:
                broken.append(serial)
                snapshot = asdict(report)
                alerts.append(
                    SealAlert(
                        meter=meter,
                        campaign=campaign,
                        detected_at=now,
                        problems=problems,
                        report=snapshot,
                    )
                )
                items.append(
                    _seal_item(
                        meter,
                        {
                            "event": "seal_broken",
                            "time": when,
                            "problems": problems,
                            "reported_hash": report.parameter_hash,
                            "reported_version": report.tariff_version,
                            "reported_counter": report.event_counter,
                        },
                        SEAL_BROKEN,
                    )
                )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {TaxiMeter._meta.db_table} SET reported_version = %s, "  # noqa: S608
                "reported_hash = %s, reported_counter = %s, reported_at = %s, "
                "seal_intact = %s WHERE id = %s",
                rows,
            )
        indices = append(items)
        for alert, index in zip(alerts, indices, strict=True):
            alert.log_index = index
        SealAlert.objects.bulk_create(alerts, batch_size=2000)
    return ReportOutcome(len(by_serial), broken, newly)


# -- simulation (the test meters stand in for the real fleet) -------------------------------


def simulated_fleet(meters: Iterable[TaxiMeter], log_capacity: int = 1000) -> dict[str, Meter]:
    """A core Meter for each registered meter, in its authorised state, trusting every
    published regulator key (as a meter provisioned by its maker would)."""
    ring = trusted_regulator_keys()
    fleet = {}
    for m in meters:
        fleet[m.meter_serial] = Meter(
            m.meter_serial,
            TariffParameters.from_json_value(m.parameters),
            ring,
            fleet=m.fleet,
            version=m.authorised_version,
            log_capacity=log_capacity,
        )
    return fleet


def run_simulated_campaign(
    campaign: Campaign, fleet: Mapping[str, Meter], now: dt.datetime
) -> dict[str, int]:
    """Offer the signed package to each target meter of the simulated fleet, store outcomes,
    then check every meter's report (alerts for broken seals)."""
    serials = list(
        campaign.targets.filter(status=CampaignTarget.Status.PENDING).values_list(
            "meter__meter_serial", flat=True
        )
    )
    note = campaign.package.signed_note
    outcomes = {s: fleet[s].offer(note, now) for s in serials if s in fleet}
    record_outcomes(campaign, outcomes, now)
    record_reports([fleet[s].report() for s in serials if s in fleet], now, campaign)
    return campaign_counts(campaign)


def offer_to_meter(meter: Meter, signed_package: str, now: dt.datetime) -> OfferResult:
    """Deliver a package outside a campaign (e.g. a replay or a forgery reaching a meter):
    the meter decides, and the platform logs the seal event either way."""
    outcome = meter.offer(signed_package, now)
    row = TaxiMeter.objects.select_related("instrument").get(meter_serial=meter.serial)
    body: dict[str, Any] = {
        "event": f"package_{outcome.decision.value}",
        "version": outcome.version,
        "time": format_time(now),
    }
    if outcome.reasons:
        body["reasons"] = list(outcome.reasons)
    append([_seal_item(row, body)])
    return outcome


def verify_package(note: str) -> CorePackage:
    """Open a signed package against the published regulator keys (for the API)."""
    try:
        package, _ = open_package(note, trusted_regulator_keys())
    except Exception as exc:
        raise TaximeterRuleError("package", str(exc)) from None
    return package
