"""Who may read a log entry's record body: exactly those who may see the object it records.

Why here and this way: the registry's permission-restricted querysets
(`Model.objects.visible_to(user)`, registry/querysets.py) are the one rule book of who sees
what; the ledger asks them instead of keeping rules of its own. The object is read from the
record body, which the tree commits to, never from the lookup columns beside it (owner_id,
subject…), which an edit in the database could point elsewhere. Leaf hashes, indices,
proofs and checkpoints stay public: they reveal nothing about the content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jiliang.ledger.derive import CERTIFICATE_ISSUED, ObjectRef, body_of, object_ref
from jiliang.ledger.models import LogEntry


def _issuer(body: dict[str, Any] | None) -> Any:
    return body.get("issuer") if body else None


def readable_indices(user: Any, entries: Iterable[LogEntry]) -> set[int]:
    """Leaf indices among `entries` whose record body `user` may read."""
    from jiliang.registry.models import Certificate, MeasurementStandard
    from jiliang.registry.querysets import is_admin
    from jiliang.taximeters.models import TariffPackage, TaxiMeter

    rows = list(entries)
    if is_admin(user):
        return {e.leaf_index for e in rows}
    refs: dict[int, tuple[ObjectRef, dict[str, Any] | None]] = {}
    for entry in rows:
        body = body_of(entry.record)
        ref = object_ref(entry.record_type, body, entry.leaf_index)
        if ref is not None:
            refs[entry.leaf_index] = (ref, body)
    wanted: dict[str, set[str]] = {}
    for ref, _ in refs.values():
        wanted.setdefault(ref.kind, set()).add(ref.key)
    seen: dict[str, set[Any]] = {}
    if "certificate" in wanted:
        # (number, issuer USCC): the body's issuer decides which certificate it is
        seen["certificate"] = set(
            Certificate.objects.visible_to(user)
            .filter(number__in=sorted(wanted["certificate"]))
            .values_list("number", "issuer__uscc")
        )
    if "standard" in wanted:
        seen["standard"] = set(
            MeasurementStandard.objects.visible_to(user)
            .filter(code__in=sorted(wanted["standard"]))
            .values_list("code", flat=True)
        )
    if "taximeter" in wanted:
        seen["taximeter"] = set(
            TaxiMeter.objects.visible_to(user)
            .filter(meter_serial__in=sorted(wanted["taximeter"]))
            .values_list("meter_serial", flat=True)
        )
    if "tariff_package" in wanted:
        seen["tariff_package"] = {
            str(i)
            for i in TariffPackage.objects.visible_to(user)
            .filter(log_index__in=[int(k) for k in wanted["tariff_package"]])
            .values_list("log_index", flat=True)
        }
    readable = set()
    for index, (ref, body) in refs.items():
        key: Any = (ref.key, _issuer(body)) if ref.kind == "certificate" else ref.key
        if key in seen.get(ref.kind, ()):
            readable.add(index)
    return readable


def may_read(user: Any, entry: LogEntry) -> bool:
    """Whether `user` may read this one entry's record body."""
    return entry.leaf_index in readable_indices(user, [entry])


def certificate_entry(number: str) -> LogEntry | None:
    """The certificate.issued entry whose *body* names certificate `number` (the subject
    column only narrows the search)."""
    for entry in LogEntry.objects.filter(record_type=CERTIFICATE_ISSUED, subject=number).order_by(
        "leaf_index"
    ):
        body = body_of(entry.record)
        if body is not None and body.get("number") == number:
            return entry
    return None
