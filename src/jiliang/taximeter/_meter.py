"""The meter side: accept authentic, addressed, newer, effective tariff packages, and keep
a WELMEC 7.2 / Measurement Canada style event logger.

Event logger rules implemented here:
- the event counter counts change *sessions* (one per applied package, however many
  parameters change) and is never reset, not even by a read-out;
- each change entry keeps old and new values of every changed parameter, the time, the
  package version and the key ID of the signer;
- refused packages are logged too (with the reasons) and counted;
- the log has a fixed capacity; when it is full, every further change is refused (and
  counted in `refused_while_full`) until an authorised reader reads the log out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from jiliang.taximeter._errors import PackageError, ReadoutRefused, TaximeterError
from jiliang.taximeter._package import TariffPackage, format_time, open_package
from jiliang.taximeter._params import PARAMETER_NAMES, TariffParameters
from jiliang.trust import (
    KeyRing,
    NoteError,
    NoteVerificationError,
    SignerKey,
    TrustError,
    sign_note,
)

__all__ = [
    "READOUT_HEADER",
    "Decision",
    "EventEntry",
    "Meter",
    "MeterReport",
    "OfferResult",
    "ParameterChange",
    "readout_request",
]

READOUT_HEADER = "jiliang.taximeter.readout/v1"


class Decision(StrEnum):
    """What the meter did with a package."""

    APPLIED = "applied"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ParameterChange:
    """One changed parameter: canonical old and new values."""

    name: str
    old: str | int
    new: str | int


@dataclass(frozen=True)
class EventEntry:
    """One event-log entry. `counter` is the event counter after the entry."""

    kind: str  # "change" or "rejected"
    time: str
    counter: int
    signer_key_id: str | None
    version_old: int
    version_new: int | None
    changes: tuple[ParameterChange, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferResult:
    """Outcome of offering a package to a meter."""

    decision: Decision
    version: int | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeterReport:
    """What the meter reports to the platform (compared with what was authorised)."""

    serial: str
    fleet: str | None
    tariff_version: int
    parameter_hash: str
    event_counter: int
    rejection_counter: int
    refused_while_full: int
    readout_counter: int
    log_entries: int
    log_capacity: int
    pending_version: int | None


def readout_request(serial: str, sequence: int, reader: SignerKey) -> str:
    """A signed read-out request for the meter's next read-out (sequence = readout_counter)."""
    return sign_note(f"{READOUT_HEADER}\n{serial}\n{sequence}\n", [reader])


@dataclass
class _Pending:
    package: TariffPackage
    signer_key_id: str


@dataclass
class Meter:
    """A simulated networked taximeter (the logic a meter maker would put in firmware)."""

    serial: str
    parameters: TariffParameters
    regulator_keys: KeyRing
    reader_keys: KeyRing = field(default_factory=KeyRing)
    fleet: str | None = None
    version: int = 0
    log_capacity: int = 1000
    rejection_log_capacity: int = 100
    _log: list[tuple[int, EventEntry]] = field(default_factory=list, init=False, repr=False)
    _rejected: deque[tuple[int, EventEntry]] = field(default_factory=deque, init=False, repr=False)
    _sequence: int = field(default=0, init=False)
    _event_counter: int = field(default=0, init=False)
    _rejections: int = field(default=0, init=False)
    _refused_full: int = field(default=0, init=False)
    _readouts: int = field(default=0, init=False)
    _pending: _Pending | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.log_capacity < 1:
            raise TaximeterError(f"log_capacity {self.log_capacity} must be at least 1")
        if self.rejection_log_capacity < 1:
            raise TaximeterError(
                f"rejection_log_capacity {self.rejection_log_capacity} must be at least 1"
            )
        if self.version < 0:
            raise TaximeterError(f"version {self.version} must not be negative")

    # -- counters and report --------------------------------------------------------
    @property
    def event_counter(self) -> int:
        """Non-resettable count of change sessions."""
        return self._event_counter

    @property
    def log_full(self) -> bool:
        """True when no further change entry fits (refused packages never fill it)."""
        return len(self._log) >= self.log_capacity

    def _stamp(self, entry: EventEntry) -> tuple[int, EventEntry]:
        self._sequence += 1
        return self._sequence, entry

    @property
    def parameter_hash(self) -> str:
        """Hash of the installed parameters."""
        return self.parameters.parameter_hash()

    def report(self) -> MeterReport:
        """Counters, hash and log usage."""
        return MeterReport(
            self.serial,
            self.fleet,
            self.version,
            self.parameter_hash,
            self._event_counter,
            self._rejections,
            self._refused_full,
            self._readouts,
            len(self._log),
            self.log_capacity,
            self._pending.package.version if self._pending else None,
        )

    # -- packages -------------------------------------------------------------------
    def _reject(self, now: datetime, reasons: Sequence[str], version: int | None) -> OfferResult:
        """Count and keep a refused package in its own ring of the latest refusals.

        Why a separate ring: refusals must be visible, but a flood of forged or replayed
        packages must not fill the change log and so block genuine tariff changes. The
        rejection counter never resets, so dropped ring entries are still accounted for.
        """
        self._rejections += 1
        entry = EventEntry(
            "rejected",
            format_time(now),
            self._event_counter,
            None,
            self.version,
            version,
            (),
            tuple(reasons),
        )
        self._rejected.append(self._stamp(entry))
        while len(self._rejected) > self.rejection_log_capacity:
            self._rejected.popleft()
        return OfferResult(Decision.REJECTED, version, tuple(reasons))

    def offer(self, signed_package: str | bytes, now: datetime) -> OfferResult:
        """Offer a signed package. Applied now, kept pending until effective, or rejected
        (and logged) with the reasons. Never raises for a bad package."""
        self.tick(now)
        if self.log_full:
            self._rejections += 1
            self._refused_full += 1
            return OfferResult(
                Decision.REJECTED, None, ("event log full: read-out required before changes",)
            )
        try:
            package, signer = open_package(signed_package, self.regulator_keys)
        except (NoteError, NoteVerificationError) as exc:
            return self._reject(now, [f"not authentic: {exc}"], None)
        except (PackageError, TrustError) as exc:
            return self._reject(now, [f"malformed package: {exc}"], None)
        reasons = []
        if not package.scope.addresses(self.serial, self.fleet):
            reasons.append(
                f"addressed to {package.scope.kind} {package.scope.ident!r}, not to meter "
                f"{self.serial!r}" + (f" of fleet {self.fleet!r}" if self.fleet else "")
            )
        newest = max(self.version, self._pending.package.version if self._pending else 0)
        if package.version <= newest:
            reasons.append(
                f"version {package.version} is not newer than {newest} (replayed or stale package)"
            )
        if reasons:
            return self._reject(now, reasons, package.version)
        self._pending = _Pending(package, signer.key_id_hex)
        applied = self.tick(now)
        if applied is not None:
            return applied
        return OfferResult(Decision.PENDING, package.version)

    def tick(self, now: datetime) -> OfferResult | None:
        """Apply the pending package if it is effective; None if nothing happened."""
        pending = self._pending
        if pending is None or now < pending.package.effective_at:
            return None
        if self.log_full:
            return OfferResult(
                Decision.PENDING,
                pending.package.version,
                ("event log full: read-out required before changes",),
            )
        old, new = self.parameters, pending.package.parameters
        old_values, new_values = old.to_json_value(), new.to_json_value()
        changes = tuple(
            ParameterChange(name, old_values[name], new_values[name])
            for name in PARAMETER_NAMES
            if old_values[name] != new_values[name]
        )
        self._event_counter += 1
        self._log.append(
            self._stamp(
                EventEntry(
                    "change",
                    format_time(now),
                    self._event_counter,
                    pending.signer_key_id,
                    self.version,
                    pending.package.version,
                    changes,
                )
            )
        )
        self.parameters = new
        self.version = pending.package.version
        self._pending = None
        return OfferResult(Decision.APPLIED, self.version)

    # -- read-out -------------------------------------------------------------------
    def read_out(self, signed_request: str | bytes) -> tuple[EventEntry, ...]:
        """Hand the log to an authorised reader and free it; counters keep counting.

        The request must be signed by a trusted reader key, name this meter and carry
        the current read-out sequence number (so an old request cannot be replayed).
        """
        try:
            verified = self.reader_keys.verify(signed_request, role="reader")
        except TrustError as exc:
            raise ReadoutRefused(f"read-out request not authentic: {exc}") from None
        lines = verified.text.split("\n")
        if len(lines) != 4 or lines[0] != READOUT_HEADER:
            raise ReadoutRefused("read-out request is not a jiliang.taximeter.readout/v1 note")
        if lines[1] != self.serial:
            raise ReadoutRefused(f"read-out request is for meter {lines[1]!r}, not {self.serial!r}")
        if lines[2] != str(self._readouts):
            raise ReadoutRefused(
                f"read-out sequence {lines[2]!r} is not the expected {self._readouts} "
                "(replayed request?)"
            )
        entries = self.entries()
        self._log.clear()
        self._rejected.clear()
        self._readouts += 1
        return entries

    def entries(self) -> tuple[EventEntry, ...]:
        """Changes and the kept refusals, in the order they happened (viewing frees nothing)."""
        return tuple(entry for _, entry in sorted([*self._log, *self._rejected]))
