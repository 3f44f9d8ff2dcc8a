"""Public certificate check (证书查验): number + check code, the QR code, and uploaded files.

Why: anyone holding a printed certificate (a market's customer, an inspector in the field)
must be able to tell a genuine one from a forgery without an account. What the check shows is
what the printed certificate shows (`essentials`), plus its state and whether it is in the
transparency log under the latest signed checkpoint.

The check code is derived, never stored: HMAC-SHA256 of the certificate number under a key
kept like the other instance keys (JILIANG_CHECK_CODE_KEY, else DATA_DIR/keys/check-code.key,
0600), shortened to 8 base32 characters. A wrong code and an unknown number give the same
answer, so the check cannot list certificates; rate limiting (`rate_limited`) bounds guessing.
Uploaded files are read within `bounds.MAX_DCC_BYTES`; a PDF's compressed streams are inflated
within a fixed budget only to find the check URL the file claims.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import os
import re
import secrets
import stat
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from jiliang import bounds
from jiliang.calibration.models import IssuedDocument, RecallItem
from jiliang.registry.models import Certificate

CODE_LENGTH = 8
NO_MATCH = "没有与此证书编号和查验码相符的证书 No certificate matches this number and check code"
# Default limit: lookups and uploads per client address per window (seconds).
DEFAULT_RATE = (30, 600)
MAX_UPLOAD_BYTES = bounds.MAX_DCC_BYTES
# What a PDF's streams may inflate to while the check URL is looked for.
MAX_INFLATED_BYTES = 32 * 1024 * 1024
MAX_STREAMS = 20_000
_KEY_ENV = "JILIANG_CHECK_CODE_KEY"
_KEY_FILE = "check-code.key"
_BASE32_FIX = str.maketrans({"0": "O", "1": "I", "8": "B"})


class CheckKeyError(Exception):
    """The check-code key file or variable is unusable (named, with the reason)."""


# --- the check code ---------------------------------------------------------------------------


def _key() -> bytes:
    """The HMAC key: JILIANG_CHECK_CODE_KEY (hex), else DATA_DIR/keys/check-code.key."""
    text = os.environ.get(_KEY_ENV, "").strip()
    if not text:
        path = Path(settings.DATA_DIR) / "keys" / _KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process created it first: read theirs
            else:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_hex(32) + "\n")
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise CheckKeyError(f"key file {path} has mode {mode:o}; it must be 0600")
        text, where = path.read_text(encoding="ascii").strip(), str(path)
    else:
        where = f"environment variable {_KEY_ENV}"
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise CheckKeyError(f"{where}: not hexadecimal") from None
    if len(key) < 16:
        raise CheckKeyError(f"{where}: {len(key)} bytes; at least 16 are needed")
    return key


def check_code(number: str) -> str:
    """The 8-character check code printed on certificate `number` (base32, upper case)."""
    mac = hmac.new(_key(), number.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:CODE_LENGTH]


def normalise_code(text: str) -> str:
    """What a person types: case, spaces and hyphens ignored; 0/1/8 read as O/I/B."""
    return re.sub(r"[\s\-]", "", text or "").upper().translate(_BASE32_FIX)


def code_matches(number: str, code: str) -> bool:
    """Constant-time comparison of a typed code with the certificate's."""
    typed = normalise_code(code)
    if len(number) > 60 or len(typed) != CODE_LENGTH:
        check_code(number[:60])  # the same work either way
        return False
    return hmac.compare_digest(typed.encode(), check_code(number).encode())


def check_url(number: str) -> str:
    """The absolute URL the QR code carries (SITE_URL + /check/?number=…&code=…)."""
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    query = urlencode({"number": number, "code": check_code(number)})
    return f"{base}{reverse('check')}?{query}"


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data URI (segno, error correction M)."""
    import segno

    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2))


def pdf_context(certificate: Certificate) -> dict[str, str]:
    """What the certificate PDF prints next to its QR code."""
    url = check_url(certificate.number)
    return {
        "check_code": check_code(certificate.number),
        "check_url": url,
        "check_qr": qr_data_uri(url),
    }


# --- rate limiting ----------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address as the login throttle sees it (JILIANG_PROXY_COUNT hops)."""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return str(hops[-proxies] if len(hops) >= proxies else hops[0])
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def rate_limit() -> tuple[int, int]:
    """(tries, window in seconds): settings.JILIANG_CHECK_RATE, default 30 per 10 minutes."""
    value = getattr(settings, "JILIANG_CHECK_RATE", None) or DEFAULT_RATE
    return int(value[0]), int(value[1])


def rate_limited(request: HttpRequest) -> int | None:
    """Count one try of this address; the seconds to wait (Retry-After) when over the limit."""
    tries, window = rate_limit()
    key = "jiliang-check:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    now = time.time()
    entry = cache.get(key)
    start, count = entry if isinstance(entry, tuple) and now < entry[0] + window else (now, 0)
    count += 1
    left = max(1, math.ceil(start + window - now))
    cache.set(key, (start, count), timeout=left)
    return left if count > tries else None


# --- lookup by number and code ----------------------------------------------------------------


@dataclass(frozen=True)
class LogCheck:
    """The certificate's log entry checked against the latest signed checkpoint."""

    verified: bool
    message: str
    leaf_index: int | None = None
    tree_size: int | None = None
    root: str = ""
    steps: tuple[tuple[str, bool, str], ...] = ()


@dataclass(frozen=True)
class State:
    """valid / amended / substituted / recalled / expired, with the certificate to use."""

    code: str
    label: str
    substitute: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """What the check page and API show: the printed essentials, the state, the log."""

    essentials: dict[str, Any]
    state: State
    log: LogCheck

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": True,
            "certificate": self.essentials,
            "state": self.state.code,
            "state_label": self.state.label,
            "substitute": self.state.substitute,
            "log": {
                "verified": self.log.verified,
                "message": self.log.message,
                "leaf_index": self.log.leaf_index,
                "tree_size": self.log.tree_size,
                "root": self.log.root,
            },
        }


def essentials(certificate: Certificate) -> dict[str, Any]:
    """What the printed certificate shows, nothing more (no customer, no results)."""
    issuer = certificate.issuer
    instrument = certificate.instrument
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "kind_label": Certificate.Kind(certificate.kind).label,
        "issuer": issuer.name_zh if issuer else certificate.external_issuer,
        "issuer_en": (issuer.name_en if issuer else "") or "",
        "instrument_name": instrument.name,
        "serial_number": instrument.serial_number,
        "model": instrument.model,
        "regulation": certificate.regulation,
        "calibration_date": certificate.calibration_date.isoformat(),
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "conclusion": certificate.conclusion,
        "conclusion_label": Certificate.Conclusion(certificate.conclusion).label,
        "accuracy_class": certificate.accuracy_class,
    }


def state_of(certificate: Certificate, today: dt.date | None = None) -> State:
    """Recalled beats amended/substituted, which beats expired; else valid."""
    from jiliang.registry.amendments import latest_in_chain

    today = today or timezone.localdate()
    recall = (
        RecallItem.objects.filter(certificate=certificate)
        .select_related("recall", "new_certificate")
        .order_by("-id")
        .first()
    )
    if recall is not None:
        again = recall.new_certificate.number if recall.new_certificate else None
        label = "已召回 Recalled: issued with a standard later found nonconforming"
        if again:
            label += f"; 已重新检定/校准，见 {again} re-verified, see {again}"
        return State("recalled", label, again)
    later = Certificate.objects.filter(amends=certificate).order_by("issued_on", "id").first()
    if later is not None:
        latest = latest_in_chain(certificate).number
        if later.amendment == Certificate.Amendment.SUBSTITUTES:
            return State("substituted", f"已被 {latest} 替代 Substituted by {latest}", latest)
        return State("amended", f"已更正，以 {latest} 为准 Amended: see {latest}", latest)
    if certificate.valid_until is not None and certificate.valid_until < today:
        return State("expired", f"已过有效期（{certificate.valid_until.isoformat()}）Expired", None)
    return State("valid", "有效 Valid", None)


_LOGGED_FIELDS = ("number", "kind", "issuer_name", "regulation", "calibration_date", "issued_on",
                  "valid_until", "conclusion", "accuracy_class", "amends", "amendment")  # fmt: skip


def log_check(certificate: Certificate) -> LogCheck:
    """Inclusion of the certificate.issued entry in the tree of the latest signed checkpoint,
    and the checkpoint's signature with the log's published key: 'verified' only if both
    hold and the logged record says what the registry says now."""
    from jiliang.ledger import keys as log_keys
    from jiliang.ledger import services as ledger
    from jiliang.ledger.keys import KeyStoreError
    from jiliang.ledger.models import LogEntry
    from jiliang.ledger.records import CERTIFICATE_ISSUED, certificate_bodies
    from jiliang.trust import LogRecord, TrustError, verify_record_offline

    entry = (
        LogEntry.objects.filter(record_type=CERTIFICATE_ISSUED, subject=certificate.number)
        .order_by("leaf_index")
        .first()
    )
    if entry is None:
        return LogCheck(False, "未记入可信日志 Not in the transparency log")
    try:
        checkpoint = ledger.latest_checkpoint()
        proof = ledger.inclusion_proof(entry.leaf_index, checkpoint.size)
        report = verify_record_offline(
            entry.record,
            proof.to_json(),
            checkpoint.note,
            ledger.log_keyring(),
            origin=log_keys.log_origin(),
        )
    except (ledger.LedgerError, TrustError, KeyStoreError) as exc:
        return LogCheck(
            False, f"日志无法验证 The log could not be verified: {exc}", entry.leaf_index
        )
    steps = tuple((c.step, c.ok, c.detail) for c in report.checks)
    base = {
        "leaf_index": entry.leaf_index,
        "tree_size": checkpoint.size,
        "root": bytes(checkpoint.root_hash).hex(),
        "steps": steps,
    }
    if not report.ok:
        failure = report.failure
        reason = f"{failure.step}: {failure.detail}" if failure else "no step ran"
        return LogCheck(False, f"日志验证失败 Log verification failed: {reason}", **base)
    logged = LogRecord.from_json(entry.record).body
    (_, current, _, _), *_ = certificate_bodies([certificate.pk])
    differs = [f for f in _LOGGED_FIELDS if logged.get(f) != current.get(f)]
    differs += [
        f"instrument.{f}"
        for f in ("serial_number", "name")
        if (logged.get("instrument") or {}).get(f) != current["instrument"][f]
    ]
    if differs:
        return LogCheck(
            False,
            "登记内容与日志记录不符 The register differs from the logged record: "
            + ", ".join(differs),
            **base,
        )
    return LogCheck(
        True,
        f"已验证：第 {entry.leaf_index} 条记录包含于经签名的检查点（树大小 {checkpoint.size}）"
        f" Verified: entry {entry.leaf_index} is included in the signed checkpoint of size "
        f"{checkpoint.size}",
        **base,
    )


def result_for(certificate: Certificate) -> CheckResult:
    return CheckResult(essentials(certificate), state_of(certificate), log_check(certificate))


def lookup(number: str, code: str) -> CheckResult | None:
    """The certificate with this number when the code is its check code; else None (the same
    None for an unknown number and for a wrong code)."""
    number = (number or "").strip()
    if not number or len(number) > 60 or "\x00" in number:
        code_matches("", code)
        return None
    certificate = (
        Certificate.objects.filter(number=number).select_related("issuer", "instrument").first()
    )
    if not code_matches(number, code) or certificate is None:
        return None
    return result_for(certificate)


# --- uploaded files ---------------------------------------------------------------------------


@dataclass
class FileCheck:
    """The verdict on an uploaded PDF or DCC: genuine, or refused with the reasons."""

    kind: str
    sha256: str
    size: int
    genuine: bool = False
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: CheckResult | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "genuine": self.genuine,
            "reasons": self.reasons,
            "notes": self.notes,
            "check": self.result.as_dict() if self.result else None,
        }


class UploadRefused(Exception):
    """The upload cannot be checked at all (too large, not a PDF or XML); `status` for HTTP."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def read_upload(upload: Any) -> tuple[bytes, str]:
    """The upload's bytes within MAX_UPLOAD_BYTES (413 when larger, never reading more)."""
    name = Path(getattr(upload, "name", None) or "upload").name
    size = getattr(upload, "size", None)
    too_large = bounds.upload_too_large(size, MAX_UPLOAD_BYTES, name)
    if too_large:
        raise UploadRefused(f"文件过大 File too large: {too_large}", 413)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"文件过大 File too large: {name} is over {MAX_UPLOAD_BYTES:,} bytes, the limit", 413
        )
    if not data:
        raise UploadRefused(f"{name}: 文件为空 the file is empty")
    return bytes(data), name


_URL_RE = re.compile(rb"/check/\?number=([A-Za-z0-9%._~+\-]{1,200})&(?:amp;)?code=([A-Za-z2-7]{8})")
_STREAM_RE = re.compile(rb"stream\r?\n")


def claimed_in_pdf(data: bytes) -> tuple[str, str] | None:
    """(number, code) of the check URL a PDF carries (its QR link), if any.

    The link sits in a compressed object stream: each FlateDecode stream is inflated within
    MAX_INFLATED_BYTES in all, and a stream that does not inflate is skipped.
    """
    found = _URL_RE.search(data)
    budget = MAX_INFLATED_BYTES
    position = 0
    for _ in range(MAX_STREAMS):
        if found is not None or budget <= 0:
            break
        match = _STREAM_RE.search(data, position)
        if match is None:
            break
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        position = end + 9
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start:end], budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        found = _URL_RE.search(chunk)
    if found is None:
        return None
    number = unquote(found.group(1).decode("ascii").replace("+", " "))
    return number, found.group(2).decode("ascii")


def _number_in_dcc(data: bytes, name: str) -> str | None:
    from jiliang import dcc

    try:
        root = dcc.parse_xml(data, name)
    except dcc.DccError:
        return None
    for element in root.iter():
        if str(element.tag).endswith("}uniqueIdentifier") and element.text:
            return element.text.strip()[:60]
    return None


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _verify_bundle(data: bytes, bundle_text: str, issuer_id: int | None) -> tuple[bool, str]:
    """A detached signature bundle checked with the issuer's published key."""
    from jiliang import dcc
    from jiliang.calibration import keys

    try:
        bundle = dcc.SignatureBundle.from_json(bundle_text)
    except dcc.SignatureBundleError as exc:
        return False, f"签名文件无效 The signature file is unusable: {exc}"
    known = {}
    if issuer_id is not None and keys.has_key(issuer_id):
        known[keys.public_key_id(issuer_id)] = keys.public_key(issuer_id)
    outcome = dcc.verify_file_bytes(data, bundle, known)
    if outcome.ok:
        return True, f"签名有效 Signature verifies: {outcome.message}"
    return False, f"签名无效 Signature does not verify: {outcome.message}"


def check_file(
    data: bytes, name: str, *, signature: str = "", number: str = "", code: str = ""
) -> FileCheck:
    """Compare an uploaded file with what the platform issued and check its signatures.

    `signature` is an optional detached signature bundle (the .sig beside the file); `number`
    and `code` optionally name the certificate the file claims to be (a PDF names it itself
    through its QR link), so the nearest match is named only to whoever has the check code.
    """
    from jiliang import dcc
    from jiliang.calibration import dcc_import

    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5]
    if data.startswith(b"%PDF-"):
        kind = IssuedDocument.Format.PDF
    elif head.startswith(b"<"):
        kind = IssuedDocument.Format.DCC
    else:
        raise UploadRefused(f"{name}: 既不是 PDF 也不是 DCC (XML) neither a PDF nor a DCC (XML)")
    digest = hashlib.sha256(data).hexdigest()
    verdict = FileCheck(str(kind), digest, len(data))
    what = "PDF" if kind == IssuedDocument.Format.PDF else "DCC"
    if kind == IssuedDocument.Format.DCC:
        try:
            xml = dcc.verify_xml_signature(data, dcc_import.trusted_certificates(), source=name)
        except dcc.DccError as exc:
            verdict.reasons.append(f"不是可接受的 XML Not an acceptable XML document: {exc}")
            return verdict
        if xml.state == dcc.SignatureState.ABSENT:
            verdict.notes.append("无 XML 签名 No XML signature (XML-DSig) in the file")
        elif xml.state == dcc.SignatureState.INVALID:
            verdict.reasons.append(f"XML 签名无效 XML signature does not verify: {xml.reason}")
        else:
            verdict.notes.append(
                f"XML 签名 XML signature {xml.state}: {xml.subject or xml.fingerprint} "
                f"{xml.reason}".strip()
            )
    issued = (
        IssuedDocument.objects.filter(sha256=digest, format=kind)
        .select_related("certificate", "certificate__issuer", "certificate__instrument")
        .first()
    )
    if issued is not None and bytes(issued.content) == data:
        certificate = issued.certificate
        ok, message = _verify_bundle(data, issued.signature, certificate.issuer_id)
        if not ok:
            verdict.reasons.append(message)
        else:
            verdict.notes.append(message)
        if signature:
            ok, message = _verify_bundle(data, signature, certificate.issuer_id)
            (verdict.notes if ok else verdict.reasons).append(message)
        verdict.genuine = not verdict.reasons
        verdict.result = result_for(certificate)
        return verdict
    # Not ours: name the nearest match only to whoever holds its check code.
    claimed = claimed_in_pdf(data) if kind == IssuedDocument.Format.PDF else None
    if claimed is None and number and code:
        claimed = (number.strip(), code)
    if claimed is None and kind == IssuedDocument.Format.DCC and code:
        found = _number_in_dcc(data, name)
        claimed = (found, code) if found else None
    nearest = None
    if claimed is not None and code_matches(*claimed):
        nearest = (
            IssuedDocument.objects.filter(certificate__number=claimed[0], format=kind)
            .select_related("certificate")
            .first()
        )
    if nearest is None:
        verdict.reasons.append(
            f"此文件不是本平台签发的文件 This file is not a document the platform issued: "
            f"no issued {what} has SHA-256 {digest}"
        )
        if signature:
            verdict.reasons.append(_verify_bundle(data, signature, None)[1])
        return verdict
    original = bytes(nearest.content)
    offset = _first_difference(data, original)
    verdict.reasons.append(
        f"此文件不是本平台签发的文件 This file is not a document the platform issued; the nearest "
        f"match, the {what} of certificate {nearest.certificate.number}, differs: "
        f"{len(data):,} bytes against {len(original):,}, first difference at byte {offset:,}"
    )
    if signature:
        ok, message = _verify_bundle(data, signature, nearest.certificate.issuer_id)
        (verdict.notes if ok else verdict.reasons).append(message)
    return verdict
