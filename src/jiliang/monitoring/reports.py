"""MRV reports (monthly, annual): built from the core's accounts, signed, logged, immutable.

Issuing a report:
1. the accounts of the period (`accounting.evaluate_user`) become the report body (schema
   `jiliang.mrv/1`): energy by variety, tce with the coefficient edition and electricity
   basis, CO₂ per scope with factor-set keys, measured vs default parameters with their
   evidence, the share measured by verified meters, uncertainty (k = 2), the meters and
   their legal state;
2. the body's canonical JSON is hashed (SHA-256) and signed with the energy user's
   institution key (Ed25519, `calibration.keys`: the same keys that sign certificates);
3. an `energy.mrv_report` record (identifiers, hash, signature; the log's bodies hold no
   floats) is appended to the transparency log in the same transaction as the report row.
A correction is a new version with its reason and the hash of the version it supersedes;
no version is ever changed.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone

from jiliang.monitoring import legal
from jiliang.monitoring.models import EnergyUser, MeasurementPoint, MrvReport, UploadBatch

RECORD_TYPE = "energy.mrv_report"
SCHEMA = "jiliang.mrv/1"
# Scope of each variety's emissions (GB/T 32150: combustion is direct, purchased
# electricity and heat are indirect).
SCOPES = {"electricity": "scope2", "heat": "scope2", "steam_low_pressure": "scope2"}


class ReportRefused(Exception):
    """A report that cannot be issued (field and reason)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def period_bounds(period: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a month or year (the start is normalised to its first day)."""
    if period == "month":
        first = start.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if period == "year":
        return start.replace(month=1, day=1), start.replace(month=12, day=31)
    raise ReportRefused("period", "month or year")


def canonical(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def _meters(energy_user: EnergyUser, end: dt.date) -> list[dict[str, Any]]:
    rows = []
    points = MeasurementPoint.objects.filter(user=energy_user).select_related("instrument")
    for point in points.order_by("code"):
        state = legal.state_on(legal.intervals_for(point.instrument), end)
        instrument = point.instrument
        rows.append(
            {
                "point": point.code,
                "variety": point.variety,
                "in_totals": point.purchased,
                "instrument": instrument.serial_number if instrument else None,
                "instrument_id": instrument.pk if instrument else None,
                "accuracy_class_percent": legal.accuracy_percent(instrument),
                "state_at_end": state.state,
                "certificate": state.certificate or None,
                "due": state.due.isoformat() if state.due else None,
            }
        )
    return rows


def build_body(energy_user: EnergyUser, period: str, start: dt.date) -> dict[str, Any]:
    """The report's content from the accounts of the period (not yet signed)."""
    from jiliang.monitoring.accounting import evaluate_user

    first, last = period_bounds(period, start)
    doc = evaluate_user(energy_user, first, last)
    totals = doc.get("totals") or {}
    co2 = totals.get("co2") or {}
    emissions: dict[str, Any] = {"scope1": [], "scope2": []}
    parameters = []
    for variety, row in sorted((co2.get("by_variety") or {}).items()):
        scope = SCOPES.get(variety, "scope1")
        emissions[scope].append({"variety": variety, **row})
        parameters.append(
            {
                "variety": variety,
                "parameter": "grid factor" if scope == "scope2" else "NCV × CC × OF",
                "kind": "default",
                "source": row["factor_source"],
                "confirmed": row["factor_confirmed"],
                "evidence": None,  # measured parameters name a lab report (CMA/CNAS) here
            }
        )
    points = doc.get("points") or {}
    completeness = {
        pid: (sum(d["completeness"] for d in p["days"]) / len(p["days"]) if p["days"] else 0.0)
        for pid, p in points.items()
    }
    batches = UploadBatch.objects.filter(
        user=energy_user,
        first_start__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC),
    )
    return {
        "schema": SCHEMA,
        "user": energy_user.code,
        "institution": energy_user.institution.name_zh,
        "uscc": energy_user.institution.uscc,
        "division_code": energy_user.institution.division_code,
        "period": period,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "energy": totals.get("by_variety") or {},
        "tce": totals.get("tce"),
        "tce_u": totals.get("tce_u"),
        "coefficients": totals.get("coefficients"),
        "co2": {
            "value": co2.get("value"),
            "u": co2.get("u"),
            "U": co2.get("U"),
            "k": co2.get("k"),
            "unit": co2.get("unit"),
            "method": co2.get("method"),
            "correction": co2.get("correction"),
            "without_factor": co2.get("without_factor"),
        },
        "emissions": emissions,
        "parameters": parameters,
        "verified_share": totals.get("verified_share"),
        "completeness": completeness,
        "flags": doc.get("flags") or [],
        "meters": _meters(energy_user, last),
        "readings": doc.get("readings", 0),
        "batches": batches.count(),
    }


def issue(
    energy_user: EnergyUser,
    period: str,
    start: dt.date,
    by: Any = None,
    reason: str = "",
) -> MrvReport:
    """Issue the period's report: a first version, or a correction (reason required)."""
    from jiliang.calibration import keys
    from jiliang.ledger.services import Item, append
    from jiliang.trust import LogRecord

    first, _ = period_bounds(period, start)
    reason = reason.strip()
    if len(reason) > 300:
        raise ReportRefused("reason", "at most 300 characters")
    body = build_body(energy_user, period, first)
    with transaction.atomic():
        previous = (
            MrvReport.objects.select_for_update()
            .filter(user=energy_user, period=period, start=first)
            .order_by("-version")
            .first()
        )
        if previous is not None and not reason:
            raise ReportRefused("reason", "a correction states its reason (更正原因)")
        version = previous.version + 1 if previous else 1
        body["version"] = version
        body["reason"] = reason
        body["supersedes"] = (
            {"version": previous.version, "sha256": previous.sha256} if previous else None
        )
        body["issued_at"] = timezone.now().isoformat()
        data = canonical(body)
        digest = hashlib.sha256(data).hexdigest()
        institution_id = energy_user.institution_id
        signature = keys.private_key(institution_id).sign(data)
        key_id = keys.public_key_id(institution_id)
        subject = f"{energy_user.code}/{period}/{first.isoformat()}/v{version}"
        record = LogRecord(
            RECORD_TYPE,
            1,
            {
                "report": subject,
                "user": energy_user.code,
                "period": period,
                "from": first.isoformat(),
                "version": version,
                "sha256": digest,
                "signature": base64.b64encode(signature).decode(),
                "key_id": key_id,
                "supersedes": previous.sha256 if previous else None,
                "reason": reason,
            },
        )
        (index,) = append(
            [
                Item(
                    record,
                    "mrv_report",
                    subject,
                    f"{RECORD_TYPE}:{subject}",
                    institution_id,
                    None,
                )
            ]
        )
        return MrvReport.objects.create(
            user=energy_user,
            period=period,
            start=first,
            version=version,
            reason=reason,
            body=body,
            sha256=digest,
            signature=signature.hex(),
            key_id=key_id,
            leaf_index=index,
            issued_by=by if by is not None and by.is_authenticated else None,
        )


def verify_signature(report: MrvReport) -> bool:
    """The stored body hashes to the stored digest and the institution's key signed it."""
    from cryptography.exceptions import InvalidSignature

    from jiliang.calibration import keys

    data = canonical(report.body)
    if hashlib.sha256(data).hexdigest() != report.sha256:
        return False
    try:
        keys.public_key(report.user.institution_id).verify(bytes.fromhex(report.signature), data)
    except InvalidSignature:
        return False
    return True


def proof_of(report: MrvReport) -> dict[str, Any] | None:
    """The inclusion proof of the report's log entry against the latest signed checkpoint,
    checked offline with the log's published keys (what an outside verifier does)."""
    from jiliang.ledger import keys as log_keys
    from jiliang.ledger import services as ledger
    from jiliang.ledger.models import LogEntry
    from jiliang.trust import verify_record_offline

    if report.leaf_index is None:
        return None
    entry = LogEntry.objects.filter(leaf_index=report.leaf_index).first()
    if entry is None:
        return None
    bundle = ledger.prove_entry(entry)
    result = verify_record_offline(
        entry.record,
        bundle.proof.to_json(),
        bundle.checkpoint.note,
        ledger.log_keyring(),
        origin=log_keys.log_origin(),
    )
    return {**bundle.as_dict(), "verified": bool(result.ok)}
