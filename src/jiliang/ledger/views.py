"""Pages of the ledger: the log browser, one record with its proof, the published keys.
Thin: the services compute; record content only where ledger.visibility allows it."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.ledger import keys, services
from jiliang.ledger.models import LogEntry
from jiliang.ledger.visibility import may_read, readable_indices


def browser(request: HttpRequest) -> HttpResponse:
    """Latest entries, the latest signed checkpoint and how to verify."""
    page = Paginator(LogEntry.objects.order_by("-leaf_index"), 50).get_page(request.GET.get("page"))
    visible = readable_indices(request.user, page)
    context = {
        "page": page,
        "visible": visible,
        "checkpoint": services.latest_checkpoint(),
        "origin": keys.log_origin(),
    }
    return render(request, "ledger/browser.html", context)


def entry(request: HttpRequest, index: int) -> HttpResponse:
    """One record with its inclusion proof and the checkpoint it verifies against."""
    found = LogEntry.objects.filter(leaf_index=index).first()
    if found is None:
        raise Http404("no such log entry")
    visible = may_read(request.user, found)
    bundle = services.prove_entry(found)
    context = {
        "entry": found,
        "visible": visible,
        "leaf_hash": bytes(found.leaf_hash).hex(),
        "record_pretty": json.dumps(json.loads(found.record), indent=2, ensure_ascii=False)
        if visible
        else "",
        "proof_json": bundle.proof.to_json(),
        "checkpoint": bundle.checkpoint,
    }
    return render(request, "ledger/entry.html", context)


def public_keys(request: HttpRequest) -> HttpResponse:
    """The instance's published keys (log and witness, active and retired)."""
    ring = services.published_keys()
    return render(
        request, "ledger/keys.html", {"entries": ring.entries, "origin": keys.log_origin()}
    )
