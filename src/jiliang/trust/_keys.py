"""Key rings: which public keys are trusted for what, key rotation, and the published list.

A log (or regulator) rotates its key by (1) adding the new key to the published list,
(2) signing checkpoints with both keys for a transition period, (3) marking the old key
"retired". A retired key's signatures are still checked (a failing one still rejects the
note) but no longer count towards acceptance, unless an auditor checks an old note with
allow_retired=True.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from jiliang.trust._errors import KeyFormatError, NoteVerificationError
from jiliang.trust._note import Note, NoteSignature, VerifierKey, parse_note, verify_note_signatures

__all__ = ["KEY_LIST_FORMAT", "KeyEntry", "KeyRing", "VerifiedNote"]

KEY_LIST_FORMAT = "jiliang-keys/v1"
KeyStatus = Literal["active", "retired"]
_STATUSES = ("active", "retired")


@dataclass(frozen=True)
class KeyEntry:
    """A trusted key with its role (log, witness, regulator, reader...) and status."""

    key: VerifierKey
    role: str = "log"
    status: KeyStatus = "active"
    since: str | None = None
    retired_at: str | None = None

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            raise KeyFormatError(
                f"key {self.key.name}: status {self.status!r} is not one of {', '.join(_STATUSES)}"
            )
        if not self.role or not isinstance(self.role, str):
            raise KeyFormatError(f"key {self.key.name}: role must be a non-empty string")


@dataclass(frozen=True)
class VerifiedNote:
    """Outcome of a successful note verification."""

    note: Note
    signers: tuple[VerifierKey, ...]
    retired_signers: tuple[VerifierKey, ...]
    ignored: tuple[NoteSignature, ...]

    @property
    def text(self) -> str:
        """The verified note text."""
        return self.note.text


class KeyRing:
    """An immutable set of trusted keys; rotation returns a new ring."""

    def __init__(self, entries: Iterable[KeyEntry | VerifierKey] = ()) -> None:
        items: list[KeyEntry] = []
        seen: set[tuple[str, bytes]] = set()
        for entry in entries:
            item = entry if isinstance(entry, KeyEntry) else KeyEntry(entry)
            ident = (item.key.name, item.key.key_id)
            if ident in seen:
                raise KeyFormatError(f"key {item.key.name}+{item.key.key_id_hex} is listed twice")
            seen.add(ident)
            items.append(item)
        self._entries = tuple(items)

    @property
    def entries(self) -> tuple[KeyEntry, ...]:
        """All entries, in listing order."""
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self, role: str | None = None, *, include_retired: bool = True) -> list[VerifierKey]:
        """Keys with that role (all roles if None)."""
        return [
            e.key
            for e in self._entries
            if (role is None or e.role == role) and (include_retired or e.status == "active")
        ]

    def add(self, key: VerifierKey, role: str = "log", since: str | None = None) -> KeyRing:
        """A new ring with `key` added as active."""
        return KeyRing([*self._entries, KeyEntry(key, role, "active", since)])

    def retire(self, key: VerifierKey, retired_at: str | None = None) -> KeyRing:
        """A new ring in which `key` is retired (KeyFormatError if it is not in the ring)."""
        found = False
        entries = []
        for e in self._entries:
            if e.key == key:
                found = True
                e = replace(e, status="retired", retired_at=retired_at)
            entries.append(e)
        if not found:
            raise KeyFormatError(f"key {key.name}+{key.key_id_hex} is not in the key ring")
        return KeyRing(entries)

    def verify(
        self,
        signed_note: str | bytes | Note,
        *,
        role: str | None = None,
        allow_retired: bool = False,
    ) -> VerifiedNote:
        """Verify a signed note against this ring (C2SP signed-note rules).

        At least one active key of `role` must have signed; every known key's signature
        must verify. Raises NoteError (syntax) or NoteVerificationError (trust).
        """
        note = signed_note if isinstance(signed_note, Note) else parse_note(signed_note)
        candidates = [e for e in self._entries if role is None or e.role == role]
        verified, ignored = verify_note_signatures(note, [e.key for e in candidates])
        status = {e.key: e.status for e in candidates}
        active = tuple(k for k in verified if status[k] == "active")
        retired = tuple(k for k in verified if status[k] == "retired")
        if not active and not (allow_retired and retired):
            names = ", ".join(f"{k.name}+{k.key_id_hex}" for k in self.keys(role)) or "none"
            if retired:
                raise NoteVerificationError(
                    "the note is signed only by retired key(s) "
                    f"{', '.join(k.name + '+' + k.key_id_hex for k in retired)}"
                )
            raise NoteVerificationError(
                f"no signature from a trusted{' ' + role if role else ''} key "
                f"(trusted: {names}; the note is signed by "
                f"{', '.join(s.name + '+' + s.key_id.hex() for s in note.signatures)})"
            )
        return VerifiedNote(note, active, retired, tuple(ignored))

    def to_json(self) -> str:
        """The published key list (JSON): safe to publish, holds public keys only."""
        doc = {
            "format": KEY_LIST_FORMAT,
            "keys": [
                {
                    "vkey": str(e.key),
                    "role": e.role,
                    "status": e.status,
                    "since": e.since,
                    "retired_at": e.retired_at,
                }
                for e in self._entries
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def to_text(self, role: str | None = None) -> str:
        """Active verifier keys, one vkey per line (the plain-text form of the list)."""
        return "".join(f"{k}\n" for k in self.keys(role, include_retired=False))

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        """Load a published key list, naming the entry and field that is wrong."""
        try:
            doc: Any = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise KeyFormatError(f"key list is not JSON: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != KEY_LIST_FORMAT:
            raise KeyFormatError(f"key list must be an object with format {KEY_LIST_FORMAT!r}")
        keys = doc.get("keys")
        if not isinstance(keys, list):
            raise KeyFormatError("key list: 'keys' must be a list")
        entries = []
        for i, item in enumerate(keys):
            if not isinstance(item, dict) or not isinstance(item.get("vkey"), str):
                raise KeyFormatError(f"key list: keys[{i}] must be an object with a 'vkey' string")
            unknown = set(item) - {"vkey", "role", "status", "since", "retired_at"}
            if unknown:
                raise KeyFormatError(f"key list: keys[{i}] has unknown field(s) {sorted(unknown)}")
            try:
                key = VerifierKey.parse(item["vkey"])
                entries.append(
                    KeyEntry(
                        key,
                        item.get("role", "log"),
                        item.get("status", "active"),
                        item.get("since"),
                        item.get("retired_at"),
                    )
                )
            except KeyFormatError as exc:
                raise KeyFormatError(f"key list: keys[{i}]: {exc}") from None
        return cls(entries)

    @classmethod
    def from_text(cls, text: str, role: str = "log") -> KeyRing:
        """Load verifier keys one per line; blank lines and '#' comments are skipped."""
        entries = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                entries.append(KeyEntry(VerifierKey.parse(line), role))
            except KeyFormatError as exc:
                raise KeyFormatError(f"line {lineno}: {exc}") from None
        return cls(entries)
