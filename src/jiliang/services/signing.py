"""Decisions as signed documents in the transparency log.

A decision (accept, refuse, correct, approve, reject) is a `services.decision` log record
whose body names the case, the applicant and the authority (USCCs), the action, the day and
its reasons. The authority's Ed25519 key signs the record's canonical text (a C2SP signed
note, as tariff packages are signed), the note is kept on the event and the record is
appended to the log (ledger.services.append) in the same transaction as the event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiliang.ledger import keys as ledger_keys
from jiliang.ledger.services import Item, append
from jiliang.registry.models import Institution
from jiliang.trust import ED25519, LogRecord, SignerKey, sign_note

DECISION = "services.decision"


def authority_signer(authority: Institution) -> SignerKey:
    """The authority's key: env JILIANG_SERVICES_KEY_<USCC>, else DATA_DIR/keys (0600)."""
    return ledger_keys.load_or_create(
        f"JILIANG_SERVICES_KEY_{authority.uscc}",
        f"services-{authority.uscc}.key",
        f"services.{authority.uscc}",
        ED25519,
    )


def sign_and_log(
    application: Any, action: str, on: dt.date, body: dict[str, Any]
) -> tuple[str, int | None]:
    """Sign the decision and append it; returns (signed note, leaf index)."""
    full = {
        "case": application.number,
        "kind": application.kind,
        "applicant": application.applicant.uscc,
        "authority": application.authority.uscc,
        "action": action,
        "on": on.isoformat(),
        **body,
    }
    record = LogRecord(DECISION, 1, full)
    note = sign_note(
        record.canonical_bytes().decode("utf-8") + "\n", [authority_signer(application.authority)]
    )
    (index,) = append(
        [
            Item(
                record,
                "application",
                application.number,
                f"{DECISION}:{application.number}:{action}",
                application.applicant_id,
                application.authority_id,
            )
        ]
    )
    return note, index
