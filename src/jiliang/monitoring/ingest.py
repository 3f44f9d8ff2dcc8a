"""Ingest of reading batches: one rule book for the API, MQTT and manual upload.

Order of a batch (issue 14 §2, "ack only after durable"):
1. parse and check every item (item index and reason on the first bad ones; nothing written);
2. a known (user, message id) → the stored acknowledgement, nothing written again;
3. the readings go to the Parquet store through `jiliang.energy.store.write_batch` (temp file,
   fsync, atomic rename, directory fsync) under a file name derived from the message id;
4. only then the `UploadBatch` row is committed in one short transaction.
A crash between 3 and 4 leaves a file nobody acknowledged; the sender resends, the same file
name is replaced (never duplicated) and the row is committed. No database transaction is
held around the file write, so two enterprises never wait on each other for long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiliang.monitoring.ingest_columns import UTC_US, Columns, columns
from jiliang.monitoring.models import EnergyUser, MeasurementPoint, UploadBatch

MAX_ITEMS = 10_000  # per batch (docs/monitoring.md); the benchmark's batch size
MAX_BODY_BYTES = 2 * 1024 * 1024  # a 10^4-item batch is ~0.9 MB
MAX_ERRORS = 20  # errors reported per refused batch
KINDS = frozenset({"register", "interval"})
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_QUALITY = re.compile(r"[A-Za-z0-9_]{0,16}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
# Values beyond this are refused as implausible input, not left for VEE: no meter register or
# 15-minute quantity of a single point reaches 10^15 of its unit.
MAX_ABS_VALUE = 1e15


class BatchRefused(Exception):
    """A batch that is not stored: status (400/401/403/409) and one entry per problem."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


@dataclass(frozen=True)
class Ack:
    """What the sender keeps: the message id, how many readings, and the acknowledgement."""

    message_id: str
    user: str
    count: int
    ack: str
    received: dt.datetime
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "user": self.user,
            "count": self.count,
            "ack": self.ack,
            "received": self.received.isoformat(),
            "duplicate": self.duplicate,
        }


@dataclass
class Parsed:
    """A checked batch; `columns` holds its items as Arrow arrays (times in UTC)."""

    message_id: str
    user_code: str
    columns: Columns | None = None
    signature: str = ""
    digest: str = ""

    @property
    def count(self) -> int:
        return len(self.columns) if self.columns is not None else 0


def energy_root() -> Path:
    return Path(settings.ENERGY_DATA)


def canonical(body: dict[str, Any]) -> bytes:
    """Canonical JSON of a batch without its signature: sorted keys, no spaces, UTF-8.

    What an enterprise signs with its Ed25519 key, and what the acknowledgement hashes, so a
    resend with other whitespace or key order is the same message."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return orjson.dumps(unsigned, option=orjson.OPT_SORT_KEYS)


def parse(raw: bytes | dict[str, Any]) -> tuple[Parsed, dict[str, Any]]:
    """Check the shape of a batch; every problem names its item index and field."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_BODY_BYTES:
            raise BatchRefused(400, f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BatchRefused(400, f"body is not JSON: {exc}") from None
    else:
        body = raw
    if not isinstance(body, dict):
        raise BatchRefused(400, "the body must be a JSON object")
    errors: list[dict[str, str]] = []
    unknown = sorted(set(body) - {"message_id", "user", "items", "signature"})
    if unknown:
        errors.append({"field": unknown[0], "reason": "unknown field"})
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        errors.append({"field": "message_id", "reason": "1-64 characters of A-Z a-z 0-9 . _ : -"})
    user = body.get("user")
    if not isinstance(user, str) or not 1 <= len(user) <= 40:
        errors.append({"field": "user", "reason": "the energy user's code (1-40 characters)"})
    signature = body.get("signature", "")
    if not isinstance(signature, str) or not re.fullmatch(r"([0-9a-f]{128})?", signature):
        errors.append({"field": "signature", "reason": "128 lower-case hex digits (Ed25519)"})
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        errors.append({"field": "items", "reason": f"a list of 1 to {MAX_ITEMS} readings"})
    if errors:
        raise BatchRefused(400, "malformed batch", errors)
    parsed = Parsed(str(message_id), str(user), signature=str(signature))
    # Fast path: every rule checked on whole columns. When it is not sure, the per-item
    # check below decides and words the errors (item index, field, reason).
    try:
        items_bytes = orjson.dumps(items, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        pass  # not JSON (a value read from a file): the per-item check words why
    else:
        parsed.digest = hashlib.sha256(items_bytes).hexdigest()
        parsed.columns = columns(items, items_bytes)  # type: ignore[arg-type]
    if parsed.columns is None:
        parsed.columns = _items(items, errors)  # type: ignore[arg-type]
    if errors:
        raise BatchRefused(400, f"malformed batch: {len(errors)} bad item(s) shown", errors)
    return parsed, body


def _items(items: list[Any], errors: list[dict[str, str]]) -> Columns:
    """The per-item check: the first MAX_ERRORS bad items, each with index, field, reason."""
    fromiso = dt.datetime.fromisoformat
    points: list[str] = []
    times: list[dt.datetime] = []
    values: list[float] = []
    kinds: list[str] = []
    qualities: list[str] = []
    for i, item in enumerate(items):
        if len(errors) >= MAX_ERRORS:
            break
        where = f"items[{i}]"
        if not isinstance(item, dict):
            errors.append({"field": where, "reason": "an object"})
            continue
        extra = set(item) - {"point", "start", "value", "kind", "quality"}
        if extra:
            errors.append({"field": f"{where}.{sorted(extra)[0]}", "reason": "unknown field"})
            continue
        point, start, value = item.get("point"), item.get("start"), item.get("value")
        kind, quality = item.get("kind", "register"), item.get("quality", "")
        if not isinstance(point, str) or not 1 <= len(point) <= 40:
            errors.append({"field": f"{where}.point", "reason": "a point code (1-40 characters)"})
            continue
        if not isinstance(start, str) or not _TIME.fullmatch(start):
            errors.append(
                {"field": f"{where}.start", "reason": "ISO 8601 time with offset (period start)"}
            )
            continue
        try:
            when = fromiso(start.replace("Z", "+00:00"))
        except ValueError as exc:
            errors.append({"field": f"{where}.start", "reason": str(exc)})
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not abs(value) < MAX_ABS_VALUE
        ):
            errors.append({"field": f"{where}.value", "reason": "a finite number below 1e15"})
            continue
        if kind not in KINDS:
            errors.append({"field": f"{where}.kind", "reason": "register or interval"})
            continue
        if not isinstance(quality, str) or not _QUALITY.fullmatch(quality):
            errors.append({"field": f"{where}.quality", "reason": "0-16 letters, digits or _"})
            continue
        points.append(point)
        times.append(when)
        values.append(float(value))
        kinds.append(kind)
        qualities.append(quality)
    return Columns(
        pa.array(points, pa.string()),
        pa.array(times, UTC_US),
        pa.array(values, pa.float64()),
        pa.array(kinds, pa.string()),
        pa.array(qualities, pa.string()),
    )


def authorise(parsed: Parsed, body: dict[str, Any], user: Any) -> EnergyUser:
    """The uploader must belong to the energy user's institution (or be a platform admin);
    an energy user with a registered key accepts signed batches only."""
    if user is None or not user.is_authenticated:
        raise BatchRefused(401, "a bearer token of the enterprise is needed")
    energy_user = (
        EnergyUser.objects.select_related("institution").filter(code=parsed.user_code).first()
    )
    if energy_user is None:
        raise BatchRefused(404, f"no energy user {parsed.user_code!r}")
    if user.institution_id != energy_user.institution_id and not (
        user.is_superuser or getattr(user, "role", "") == "admin"
    ):
        raise BatchRefused(403, "this token belongs to another institution")
    if energy_user.public_key:
        check_signature(energy_user.public_key, parsed.signature, body)
        parsed.signature = parsed.signature or ""
    return energy_user


def check_signature(public_key_hex: str, signature_hex: str, body: dict[str, Any]) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not signature_hex:
        raise BatchRefused(
            403, "this energy user signs its batches", [{"field": "signature", "reason": "missing"}]
        )
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), canonical(body))
    except (InvalidSignature, ValueError):
        raise BatchRefused(
            403,
            "signature does not verify",
            [{"field": "signature", "reason": "not the registered key's over the canonical body"}],
        ) from None


def _known_points(energy_user: EnergyUser, parsed: Parsed) -> None:
    assert parsed.columns is not None
    points = parsed.columns.points
    codes = set(points.unique().to_pylist())
    known = set(
        MeasurementPoint.objects.filter(user=energy_user, code__in=codes).values_list(
            "code", flat=True
        )
    )
    if known == codes:
        return
    errors = []
    for i, code in enumerate(points.to_pylist()):
        if code not in known:
            errors.append({"field": f"items[{i}].point", "reason": f"unknown point {code!r}"})
            if len(errors) >= MAX_ERRORS:
                break
    raise BatchRefused(400, "unknown measurement point(s)", errors)


def ack_of(user_code: str, message_id: str, digest: str) -> str:
    """The acknowledgement: a hash of who sent which message with which content."""
    return hashlib.sha256(f"{user_code}\n{message_id}\n{digest}".encode()).hexdigest()


def batch_id(user_code: str, message_id: str) -> str:
    """Deterministic name of the batch's files: a resend replaces, never duplicates."""
    tag = hashlib.sha256(f"{user_code}\n{message_id}".encode()).hexdigest()[:24]
    return f"{user_code}-{tag}"


def _existing(energy_user: EnergyUser, parsed: Parsed) -> Ack | None:
    row = UploadBatch.objects.filter(user=energy_user, message_id=parsed.message_id).first()
    if row is None:
        return None
    if row.body_sha256 != parsed.digest:
        raise BatchRefused(
            409,
            "this message id was acknowledged for other content",
            [{"field": "message_id", "reason": f"already acknowledged as {row.ack}"}],
        )
    return Ack(row.message_id, energy_user.code, row.count, row.ack, row.received, True)


def ingest(raw: bytes | dict[str, Any], user: Any, source: str = "api") -> Ack:
    """Check, store durably, then acknowledge one batch (the one path of every source)."""
    parsed, body = parse(raw)
    energy_user = authorise(parsed, body, user)
    return store_parsed(energy_user, parsed, body, source)


def ingest_for(raw: bytes | dict[str, Any], user_code: str, source: str) -> Ack:
    """A batch that arrived for `user_code` on a channel whose sender the transport has
    authenticated (the MQTT broker's per-enterprise ACL on the user's topic): the body's
    user must be that code, and a user with a registered key still needs its signature."""
    parsed, body = parse(raw)
    if parsed.user_code != user_code:
        raise BatchRefused(
            403,
            "the batch names another energy user than its topic",
            [{"field": "user", "reason": f"the topic is for {user_code!r}"}],
        )
    energy_user = (
        EnergyUser.objects.select_related("institution").filter(code=parsed.user_code).first()
    )
    if energy_user is None:
        raise BatchRefused(404, f"no energy user {parsed.user_code!r}")
    if energy_user.public_key:
        check_signature(energy_user.public_key, parsed.signature, body)
    return store_parsed(energy_user, parsed, body, source)


def store_parsed(energy_user: EnergyUser, parsed: Parsed, body: dict[str, Any], source: str) -> Ack:
    if not parsed.digest:
        items_bytes = orjson.dumps(body["items"], option=orjson.OPT_SORT_KEYS)
        parsed.digest = hashlib.sha256(items_bytes).hexdigest()
    found = _existing(energy_user, parsed)
    if found is not None:
        return found
    _known_points(energy_user, parsed)
    assert parsed.columns is not None
    received = timezone.now()
    bid = batch_id(energy_user.code, parsed.message_id)
    files = write_readings(energy_user.code, parsed, bid, source, received)
    ack = ack_of(energy_user.code, parsed.message_id, parsed.digest)
    first, last = (t.as_py() for t in pc.min_max(parsed.columns.times).values())
    try:
        with transaction.atomic():
            UploadBatch.objects.create(
                user=energy_user,
                message_id=parsed.message_id,
                received=received,
                count=parsed.count,
                first_start=first,
                last_start=last,
                body_sha256=parsed.digest,
                ack=ack,
                source=source,
                signed=bool(parsed.signature),
                files=[str(f) for f in files],
            )
    except IntegrityError:
        # The same message raced in from a second connection: its row is the receipt.
        found = _existing(energy_user, parsed)
        if found is None:
            raise
        return found
    return Ack(parsed.message_id, energy_user.code, parsed.count, ack, received)


def write_readings(
    user_code: str, parsed: Parsed, bid: str, source: str, received: dt.datetime
) -> list[Path]:
    """The batch's readings into the core's Parquet store (durable when this returns)."""
    from jiliang.monitoring.storage import write_columns

    assert parsed.columns is not None
    cols = parsed.columns
    n = len(cols)
    table = pa.table(
        {
            "user": pa.repeat(pa.scalar(user_code, pa.string()), n),
            "point": cols.points,
            "time": cols.times,
            "value": cols.values,
            "kind": cols.kinds,
            "quality": cols.qualities,
            "source": pa.repeat(pa.scalar(source, pa.string()), n),
            "batch": pa.repeat(pa.scalar(bid, pa.string()), n),
            "received": pa.repeat(pa.scalar(received, UTC_US), n),
        }
    )
    return write_columns(energy_root(), table, bid)
