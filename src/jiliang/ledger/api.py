"""REST endpoints of the ledger (/api/ledger/...).

Public: checkpoint, keys, proofs by index, consistency proofs and leaf hashes (they reveal
nothing). Record content: only to those who may see the object the record is about
(ledger.visibility: the registry's visible_to(user), decided from the record body).
Witnessing: POST by an authenticated peer; the cosignature itself rests on the cryptography.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from jiliang.accounts.api_auth import api_user
from jiliang.bounds import MAX_OFFSET, page_window
from jiliang.ledger import services
from jiliang.ledger.models import LogEntry
from jiliang.ledger.visibility import certificate_entry, may_read, readable_indices
from jiliang.openapi import file_response
from jiliang.registry.schemas import ErrorOut
from jiliang.trust import ConsistencyProof, TrustError

router = Router(tags=["ledger"])


class WitnessIn(Schema):
    checkpoint: str
    proof: dict[str, Any] | None = None


def _error(status: int, field: str, reason: str) -> HttpResponse:
    body = {"detail": reason, "errors": [{"field": field, "reason": reason}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _text(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def _entry_dict(entry: LogEntry, visible: bool) -> dict[str, Any]:
    return {
        "leaf_index": entry.leaf_index,
        "record_type": entry.record_type,
        "leaf_hash": bytes(entry.leaf_hash).hex(),
        "created": entry.created.isoformat(),
        "record": entry.record if visible else None,
    }


@router.get(
    "/checkpoint",
    auth=None,
    url_name="ledger_checkpoint",
    openapi_extra=file_response("text/plain"),
)
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint, signed note), as text/plain."""
    return _text(services.latest_checkpoint().note)


@router.get("/keys", auth=None, url_name="ledger_public_keys")
def public_keys(request: HttpRequest) -> HttpResponse:
    """Published verifier keys (jiliang-keys/v1 JSON: log and witness keys, with status)."""
    return HttpResponse(services.published_keys().to_json(), content_type="application/json")


@router.get("/entries", url_name="ledger_entries")
def entries(
    request: HttpRequest,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Entries newest first; record content only where the caller may read it."""
    offset, limit = page_window(offset, limit, max_limit=500)
    qs = LogEntry.objects.order_by("-leaf_index")[offset : offset + limit]
    rows = list(qs)
    visible = readable_indices(api_user(request, anonymous=True), rows)
    return {
        "tree_size": services.head_size(),
        "items": [_entry_dict(e, e.leaf_index in visible) for e in rows],
    }


@router.get(
    "/entries/{index}", response={200: dict[str, Any], 404: ErrorOut}, url_name="ledger_entry"
)
def entry(request: HttpRequest, index: int) -> Any:
    found = LogEntry.objects.filter(leaf_index=index).first()
    if found is None:
        return _error(404, "index", f"no log entry {index}")
    return _entry_dict(found, may_read(api_user(request, anonymous=True), found))


@router.get(
    "/proof/inclusion", response={200: dict[str, Any], 400: ErrorOut}, url_name="ledger_inclusion"
)
def inclusion(request: HttpRequest, index: int, tree_size: int | None = None) -> Any:
    """Inclusion proof by leaf index, against the latest checkpoint (or a stored size)."""
    try:
        if tree_size is None:
            cp = services.latest_checkpoint()
        else:
            cp = services.checkpoint_of_size(tree_size)
        proof = services.inclusion_proof(index, cp.size)
    except services.LedgerError as exc:
        return _error(400, exc.field, exc.reason)
    return {"proof": json.loads(proof.to_json()), "checkpoint": cp.note}


@router.get(
    "/proof/certificate/{number}",
    response={200: dict[str, Any], 404: ErrorOut, 403: ErrorOut},
    url_name="ledger_certificate_proof",
)
def certificate_proof(request: HttpRequest, number: str) -> Any:
    """Record + inclusion proof + checkpoint for a certificate the caller may see."""
    from jiliang.registry.models import Certificate

    if (
        not Certificate.objects.visible_to(api_user(request, anonymous=True))
        .filter(number=number)
        .exists()
    ):
        return _error(404, "number", f"no certificate {number!r} visible to you")
    entry = certificate_entry(number)
    if entry is None or not may_read(api_user(request, anonymous=True), entry):
        return _error(404, "number", f"certificate {number!r} is not in the log yet")
    return services.prove_entry(entry).as_dict()


@router.get(
    "/proof/consistency",
    response={200: dict[str, Any], 400: ErrorOut},
    url_name="ledger_consistency",
)
def consistency(request: HttpRequest, size1: int, size2: int | None = None) -> Any:
    """Consistency proof that the tree of size2 (default: current) extends size1."""
    try:
        proof = services.consistency_proof(size1, size2)
    except services.LedgerError as exc:
        return _error(400, exc.field, exc.reason)
    return json.loads(proof.to_json())


@router.post(
    "/witness",
    response={400: ErrorOut, 401: ErrorOut, 409: ErrorOut},
    url_name="ledger_witness",
    openapi_extra=file_response("text/plain"),
)
def witness(request: HttpRequest, payload: WitnessIn) -> HttpResponse:
    """Cosign another instance's checkpoint if consistent with the last one cosigned."""
    user = api_user(request, anonymous=True)
    if user is None or not user.is_authenticated:
        return _error(401, "auth", "log in or send a bearer token of the peer instance")
    proof = None
    if payload.proof is not None:
        try:
            proof = ConsistencyProof.from_json(json.dumps(payload.proof))
        except TrustError as exc:
            return _error(400, "proof", str(exc))
    try:
        cosigned = services.cosign(payload.checkpoint, proof)
    except services.WitnessRefused as exc:
        return _error(409, exc.field, exc.reason)
    return _text(cosigned)
