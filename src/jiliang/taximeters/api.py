"""REST endpoints of the taximeters app (/api/taximeters/...). Thin: rules in services.py;
every query goes through visible_to(user); bad input answers 400 with field and reason, a
forbidden action 403, and nothing changes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import MAX_OFFSET, IsoDateTime, Limit, page_window
from jiliang.registry.schemas import ErrorOut
from jiliang.taximeter import MeterReport
from jiliang.taximeters import services
from jiliang.taximeters.models import (
    Campaign,
    RegulatorKey,
    SealAlert,
    TariffPackage,
    TaxiMeter,
)

router = Router(tags=["taximeters"])


class PackageIn(Schema):
    scope_kind: str
    scope_id: str
    effective_at: IsoDateTime
    parameters: dict[str, Any]
    version: int | None = None


class TariffCampaignIn(Schema):
    package_id: int


class ReportIn(Schema):
    tariff_version: int
    parameter_hash: str
    event_counter: int
    rejection_counter: int = 0
    refused_while_full: int = 0
    readout_counter: int = 0
    log_entries: int = 0
    log_capacity: int = 1000
    pending_version: int | None = None
    campaign_id: int | None = None


def _error(status: int, field: str, reason: str) -> HttpResponse:
    body = {"detail": reason, "errors": [{"field": field, "reason": reason}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _rule_error(exc: services.TaximeterRuleError) -> HttpResponse:
    status = 403 if isinstance(exc, services.NotAllowed) else 400
    return _error(status, exc.field, exc.reason)


def _meter(m: TaxiMeter) -> dict[str, Any]:
    return {
        "meter_serial": m.meter_serial,
        "vehicle_plate": m.vehicle_plate,
        "fleet": m.fleet,
        "owner": m.instrument.owner.name_zh,
        "pattern_approval": m.pattern_approval,
        "verification_certificate": (
            m.verification_certificate.number if m.verification_certificate else None
        ),
        "parameters": m.parameters,
        "parameter_hash": m.parameter_hash,
        "authorised_version": m.authorised_version,
        "authorised_changes": m.authorised_changes,
        "reported_version": m.reported_version,
        "reported_hash": m.reported_hash,
        "reported_counter": m.reported_counter,
        "seal_intact": m.seal_intact,
    }


def _package(p: TariffPackage) -> dict[str, Any]:
    return {
        "id": p.pk,
        "regulator": p.regulator.uscc,
        "scope": {"kind": p.scope_kind, "id": p.scope_id},
        "version": p.version,
        "effective_at": p.effective_at.isoformat(),
        "parameters": p.parameters,
        "parameter_hash": p.parameter_hash,
        "signed_note": p.signed_note,
        "log_index": p.log_index,
    }


def _meters(request: HttpRequest) -> Any:
    return TaxiMeter.objects.visible_to(api_user(request)).select_related(
        "instrument__owner", "verification_certificate"
    )


@router.get("/meters", url_name="taximeters_meters")
def meters(
    request: HttpRequest,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Meters the caller may see (a taxi company: its own; a regulator: its region)."""
    qs = _meters(request)
    offset, limit = page_window(offset, limit)
    return {"count": qs.count(), "items": [_meter(m) for m in qs[offset : offset + limit]]}


@router.get(
    "/meters/{serial}", response={200: dict[str, Any], 404: ErrorOut}, url_name="taximeters_meter"
)
def meter(request: HttpRequest, serial: str) -> Any:
    found = _meters(request).filter(meter_serial=serial).first()
    if found is None:
        return _error(404, "serial", f"no meter {serial!r} visible to you")
    return _meter(found)


@router.post(
    "/meters/{serial}/report",
    response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut},
    url_name="taximeters_report",
)
def report(request: HttpRequest, serial: str, payload: ReportIn) -> Any:
    """A meter's report (via its owner's gateway, or a regulator): checked against what was
    authorised; a mismatch raises a broken-seal alert."""
    user = api_user(request)
    found = _meters(request).filter(meter_serial=serial).first()
    if found is None or not user.is_authenticated:
        return _error(404, "serial", f"no meter {serial!r} visible to you")
    campaign = None
    if payload.campaign_id is not None:
        campaign = Campaign.objects.filter(pk=payload.campaign_id, targets__meter=found).first()
        if campaign is None:
            return _error(400, "campaign_id", "no such campaign for this meter")
    data = payload.dict()
    data.pop("campaign_id")
    rep = MeterReport(serial=serial, fleet=found.fleet, **data)
    try:
        outcome = services.record_reports([rep], dt.datetime.now(dt.UTC), campaign)
    except services.TaximeterRuleError as exc:
        return _rule_error(exc)
    return {"seal_intact": not outcome.broken, "newly_applied": outcome.newly_applied}


@router.get("/packages", auth=None, url_name="taximeters_packages")
def packages(request: HttpRequest) -> list[dict[str, Any]]:
    """Signed tariff packages (public: tariffs are published)."""
    return [_package(p) for p in TariffPackage.objects.select_related("regulator")[:200]]


@router.post(
    "/packages",
    response={201: dict[str, Any], 400: ErrorOut, 403: ErrorOut},
    url_name="taximeters_create_package",
)
def create_package(request: HttpRequest, payload: PackageIn) -> Any:
    """A regulator signs a new tariff package (version strictly above its last one)."""
    try:
        package = services.create_package(
            api_user(request),
            scope_kind=payload.scope_kind,
            scope_id=payload.scope_id,
            parameters=payload.parameters,
            effective_at=payload.effective_at,
            version=payload.version,
        )
    except services.TaximeterRuleError as exc:
        return _rule_error(exc)
    return Status(201, _package(package))


@router.post(
    "/campaigns",
    response={201: dict[str, Any], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="taximeters_create_campaign",
)
def create_campaign(request: HttpRequest, payload: TariffCampaignIn) -> Any:
    """A regulator pushes one of its packages to every meter it addresses."""
    package = TariffPackage.objects.filter(pk=payload.package_id).first()
    if package is None:
        return _error(404, "package_id", f"no package {payload.package_id}")
    try:
        campaign = services.start_campaign(api_user(request), package)
    except services.TaximeterRuleError as exc:
        return _rule_error(exc)
    return Status(201, {"id": campaign.pk, "counts": services.campaign_counts(campaign)})


@router.get(
    "/campaigns/{pk}", response={200: dict[str, Any], 404: ErrorOut}, url_name="taximeters_campaign"
)
def campaign(request: HttpRequest, pk: int) -> Any:
    found = Campaign.objects.visible_to(api_user(request)).filter(pk=pk).first()
    if found is None:
        return _error(404, "id", f"no campaign {pk} visible to you")
    return {
        "id": found.pk,
        "package": _package(found.package),
        "counts": services.campaign_counts(found),
    }


@router.get("/alerts", url_name="taximeters_alerts")
def alerts(request: HttpRequest) -> list[dict[str, Any]]:
    """Broken-seal alerts the caller may see."""
    qs = SealAlert.objects.visible_to(api_user(request)).select_related("meter")[:500]
    return [
        {
            "meter_serial": a.meter.meter_serial,
            "vehicle_plate": a.meter.vehicle_plate,
            "detected_at": a.detected_at.isoformat(),
            "problems": a.problems,
            "log_index": a.log_index,
        }
        for a in qs
    ]


@router.get("/regulator-keys", auth=None, url_name="taximeters_regulator_keys")
def regulator_keys(request: HttpRequest) -> list[dict[str, str]]:
    """Published regulator verifier keys (what meters are provisioned to trust)."""
    return [
        {"institution": k.institution.uscc, "vkey": k.vkey, "status": k.status}
        for k in RegulatorKey.objects.select_related("institution")
    ]
