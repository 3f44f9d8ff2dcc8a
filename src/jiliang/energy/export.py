"""Messages to a provincial energy-monitoring platform, behind a versioned mapping profile.

The provinces' real message schemas (GB/T 37947 family: JSON over HTTPS) are not public, so
nothing about them is written in code: a *profile* (``data/energy/provincial/NAME.yaml``)
names the schema version, the envelope's and the items' field names, the data-item code of
each energy variety and period kind (plain strings a province can change), the unit wanted
per item, the quality codes and how an acknowledgement reads. A JSON Schema of the envelope
ships next to each profile and every message is checked against it before it is stored.

A message is deterministic: its id is the SHA-256 of its own content (without the id), so
building the same figures twice gives the same message and id, and a platform that keys on
the id stores a resend once. Each value is labelled with the start of its period, in
China Standard Time (``+08:00``). Pure library (no Django): the monitoring app keeps the
outbox (stored before sending, resent until acknowledged). See docs/energy-export.md.

Profiles are read and checked in `export_profile.py`; their names are re-exported here, so
``jiliang.energy.export`` stays the one module callers import from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jiliang.energy import _data
from jiliang.energy.export_profile import (
    CODE_FIELDS,
    ENVELOPE_FIELDS,
    ITEM_FIELDS,
    KINDS,
    OPTIONAL_ITEM_FIELDS,
    PERIOD_LABELS,
    PROFILE_DIR,
    QUALITIES,
    TIME_FORMATS,
    ExportError,
    ItemCode,
    Profile,
    load_profile,
    parse_profile,
    profile_names,
    profile_path,
)
from jiliang.energy.export_schema import schema_errors

__all__ = [
    "CODE_FIELDS",
    "CST",
    "ENVELOPE_FIELDS",
    "ERROR_CHARS",
    "ITEM_FIELDS",
    "KINDS",
    "OPTIONAL_ITEM_FIELDS",
    "PERIOD_LABELS",
    "PROFILE_DIR",
    "QUALITIES",
    "REFUSED_STATUSES",
    "TIME_FORMATS",
    "ExportError",
    "Figure",
    "ItemCode",
    "Message",
    "Outcome",
    "Profile",
    "acknowledged",
    "build_messages",
    "canonical",
    "check_endpoint",
    "label",
    "load_profile",
    "message_id",
    "parse_profile",
    "post",
    "profile_names",
    "profile_path",
    "quality_of",
    "refusal",
]

CST = dt.timezone(dt.timedelta(hours=8))
ERROR_CHARS = 300  # of a response body kept in an error message
# HTTP answers refusing the message itself: resending the same bytes cannot succeed. Any other
# 4xx (401/403 credentials, 404/405/410 endpoint, 408/429 timing) is about the configuration,
# not the message (a mistyped URL must not refuse every message for good): retried in order.
REFUSED_STATUSES = frozenset({400, 409, 413, 422})


@dataclass(frozen=True)
class Figure:
    """One value to report: a point's energy over a period that starts at ``start``."""

    point: str
    variety: str
    kind: str  # "interval" or "day"
    start: dt.datetime  # timezone-aware start of the period
    value: float
    unit: str  # the unit of ``value``
    quality: str = "ok"  # one of QUALITIES


@dataclass(frozen=True)
class Message:
    """A built message: its id, the period it covers and the exact bytes to POST."""

    message_id: str
    day: dt.date
    count: int
    document: dict[str, Any]
    body: bytes


@dataclass(frozen=True)
class Outcome:
    """The result of one POST: acknowledged or not, and why not."""

    acknowledged: bool
    status: int | None
    error: str
    response: str
    refused: bool = False  # refused for good: resending the same message cannot succeed


# --------------------------------------------------------------------------- messages


def quality_of(flags: Iterable[str], *, estimated: float = 0.0, quantity: float = 0.0) -> str:
    """The quality category of a daily figure from its VEE flags (docs/energy.md)."""
    names = set(flags)
    if "no_data" in names:
        return "missing"
    if "incomplete" in names:
        return "incomplete"
    if "estimated" in names or (estimated > 0.0 and quantity != 0.0):
        return "estimated"
    if "edited" in names:
        return "edited"
    if "meter_not_verified" in names or "meter_state_unknown" in names:
        return "not_verified"
    return "ok"


def label(profile: Profile, start: dt.datetime) -> str:
    """The period label of a figure: its start in China Standard Time, in the profile's form."""
    if start.tzinfo is None:
        raise ExportError(f"start {start.isoformat()}: a time zone is required")
    local = start.astimezone(CST)
    if profile.time_format == "yyyyMMddHHmmss":
        return local.strftime("%Y%m%d%H%M%S")
    return local.isoformat(timespec="seconds")


def _item(profile: Profile, figure: Figure, user_code: str) -> dict[str, Any]:
    where = f"figure {figure.point} {figure.start.isoformat()}"
    if figure.kind not in KINDS:
        raise ExportError(f"{where}: kind {figure.kind!r}: one of {', '.join(KINDS)}")
    item = profile.items.get((figure.variety, figure.kind))
    if item is None:
        raise ExportError(
            f"{where}: {profile.path.name} has no code for items.{figure.variety}.{figure.kind}"
        )
    if figure.quality not in profile.quality:
        raise ExportError(f"{where}: quality {figure.quality!r}: one of {', '.join(QUALITIES)}")
    source = _data.unit_factor(figure.variety, figure.unit)
    if source is None:
        raise ExportError(f"{where}: unit {figure.unit!r} is not a unit of {figure.variety}")
    if not math.isfinite(figure.value):
        raise ExportError(f"{where}: value {figure.value!r} is not a finite number")
    target = _data.unit_factor(figure.variety, item.unit) or 1.0
    value = figure.value if item.unit == figure.unit else figure.value * source / target
    value = round(value, item.decimals) + 0.0  # + 0.0: no "-0.0" in a message
    fields = profile.item_fields
    row: dict[str, Any] = {}
    for field, content in (
        ("code", _code(item.code, user_code, figure)),
        ("point", figure.point),
        ("start", label(profile, figure.start)),
        ("value", value),
        ("unit", item.unit),
        ("quality", profile.quality[figure.quality]),
    ):
        name = fields[field]
        if name is not None:
            row[name] = content
    return row


def _code(template: str, user_code: str, figure: Figure) -> str:
    if "{" not in template and "}" not in template:
        return template
    variety_code = str(_data.varieties()[figure.variety].get("code", ""))
    return template.format(
        user=user_code, point=figure.point, variety=figure.variety, variety_code=variety_code
    )


def _document(
    profile: Profile, user_code: str, figures: list[Figure], extra: Mapping[str, str]
) -> dict[str, Any]:
    env = profile.envelope
    document: dict[str, Any] = {env["schema_version"]: profile.schema_version}
    document[env["message_id"]] = ""
    document[env["user_code"]] = user_code
    document.update(extra)
    document[env["count"]] = len(figures)
    document[env["items"]] = [_item(profile, f, user_code) for f in figures]
    document[env["message_id"]] = message_id(document, profile)
    return document


def canonical(document: Mapping[str, Any]) -> bytes:
    """The bytes the id is computed from and the body is sent as (UTF-8, no spaces)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def message_id(document: Mapping[str, Any], profile: Profile) -> str:
    """SHA-256 (32 hex digits) of the message with an empty id: equal content, equal id."""
    blank = dict(document)
    blank[profile.envelope["message_id"]] = ""
    return hashlib.sha256(canonical(blank)).hexdigest()[:32]


def build_messages(profile: Profile, user_code: str, figures: Iterable[Figure]) -> list[Message]:
    """Messages of the figures: one per day of period start (CST), split after max_items,
    items sorted by point and start. Each is checked against the profile's JSON Schema."""
    if not user_code or not isinstance(user_code, str):
        raise ExportError("user code: a non-empty string is required")
    by_day: dict[dt.date, list[Figure]] = {}
    for figure in figures:
        if figure.start.tzinfo is None:
            raise ExportError(f"figure {figure.point} {figure.start}: a time zone is required")
        by_day.setdefault(figure.start.astimezone(CST).date(), []).append(figure)
    messages = []
    for day in sorted(by_day):
        rows = sorted(by_day[day], key=lambda f: (f.point, f.start, f.kind))
        for first in range(0, len(rows), profile.max_items):
            chunk = rows[first : first + profile.max_items]
            document = _document(profile, user_code, chunk, profile.extra)
            errors = schema_errors(document, profile.schema)
            if errors:
                raise ExportError(f"message of {day}: {profile.path.name} schema: {errors[0]}")
            mid = document[profile.envelope["message_id"]]
            messages.append(Message(mid, day, len(chunk), document, canonical(document)))
    return messages


# --------------------------------------------------------------------------- delivery


def check_endpoint(url: str) -> str:
    """An endpoint URL: http or https with a host, nothing else (no file:, no ftp:)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ExportError(f"endpoint {url!r}: an https:// (or http://) URL with a host")
    return url


def acknowledged(profile: Profile, mid: str, response: bytes) -> str:
    """Empty when the response body acknowledges ``mid`` under the profile's ack rule, else
    the reason it does not."""
    try:
        answer = json.loads(response)
    except ValueError:
        return f"the response is not JSON: {response[:ERROR_CHARS]!r}"
    if not isinstance(answer, dict):
        return "the response is not a JSON object"
    echo = profile.ack["echo_field"]
    if echo is not None and str(answer.get(echo)) != mid:
        return f"the response's {echo!r} is {answer.get(echo)!r}, not the message id {mid}"
    status = profile.ack["status_field"]
    if status is not None and str(answer.get(status)) not in profile.ack["ok_values"]:
        return f"the response's {status!r} is {answer.get(status)!r}, not one of {profile.ack['ok_values']}"
    return ""


def refusal(profile: Profile, mid: str, response: bytes) -> str:
    """The reason when a (2xx) answer refuses ``mid`` for good: it names the message (its
    ``echo_field``, when the profile has one) and its ``status_field`` is one of the
    profile's ``refused_values``. Empty otherwise (not a refusal: retried)."""
    status, echo = profile.ack["status_field"], profile.ack["echo_field"]
    try:
        answer = json.loads(response)
    except ValueError:
        return ""
    if (
        status is None
        or not isinstance(answer, dict)
        or (echo is not None and str(answer.get(echo)) != mid)
        or str(answer.get(status)) not in profile.ack["refused_values"]
    ):
        return ""
    return f"the response's {status!r} is {answer.get(status)!r}: refused"


def post(
    profile: Profile,
    url: str,
    mid: str,
    body: bytes,
    *,
    token: str = "",
    timeout: float = 30.0,
) -> Outcome:
    """POST one message (JSON, UTF-8) and read its acknowledgement. Never raises for the
    network or the platform: a failure is an Outcome with the reason, marked ``refused`` when
    the platform refused this message for good (`REFUSED_STATUSES`, or a 2xx answer naming it
    with one of the profile's ``ack.refused_values``), else to retry later."""
    check_endpoint(url)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "Idempotency-Key": mid,
        "User-Agent": "jiliang-energy-export",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            status = int(answer.status)
            text = answer.read(1_000_000)
    except urllib.error.HTTPError as exc:
        detail = exc.read(ERROR_CHARS).decode("utf-8", "replace")
        error = f"HTTP {exc.code} {exc.reason}: {detail}"
        return Outcome(False, exc.code, error, detail, refused=exc.code in REFUSED_STATUSES)
    except urllib.error.URLError as exc:
        return Outcome(False, None, f"cannot reach {url}: {exc.reason}", "")
    except (OSError, ValueError) as exc:  # timeouts, resets, bad status lines
        return Outcome(False, None, f"{url}: {exc.__class__.__name__}: {exc}", "")
    shown = text[:ERROR_CHARS].decode("utf-8", "replace")
    reason = acknowledged(profile, mid, text)
    if reason:
        refused_why = refusal(profile, mid, text)
        if refused_why:
            return Outcome(False, status, f"HTTP {status}, {refused_why}", shown, refused=True)
        return Outcome(False, status, f"HTTP {status}, not acknowledged: {reason}", shown)
    return Outcome(True, status, "", shown)
