"""The due list: overdue first, then due within the recall window, then never verified,
read page by page from the database (a national list holds 10^5 entries).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.registry import due_counts, exports, listing, rules, services, traceability
from jiliang.registry.due_forms import DueFilter
from jiliang.registry.models import Institution, Instrument
from jiliang.registry.views import _count_cap, _page, _query_without, _today

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def due(request: HttpRequest) -> HttpResponse:
    user = request.user
    instruments = Instrument.objects.visible_to(user)
    # the owners in view are read only to check an owner asked for (a single lookup then)
    asked = bool(request.GET.get("owner", "").strip())
    owners = services.due_owners(user, instruments) if asked else Institution.objects.none()
    form = DueFilter(request.GET, owners=owners)
    # `export` as on the other lists; `format` kept for links made before
    export = request.GET.get("export") or request.GET.get("format", "")
    if export not in ("", "csv", "xlsx"):
        context = {"form": form, "error": f"unknown export format {export!r}"}
        return render(request, "registry/due.html", context, status=400)
    if not form.is_valid():
        return render(request, "registry/due.html", {"form": form}, status=400)
    owner = form.cleaned_data.get("owner")
    owner_id, region = (owner.pk if owner else None), form.region_code()
    stem = f"due-{_today().isoformat()}"
    if export:  # a download holds the whole list
        entries = services.due_list(instruments, owner_id=owner_id, region=region)
        if export == "csv":
            return download(exports.due_csv(entries), f"{stem}.csv", "text/csv; charset=utf-8")
        return download(exports.due_xlsx(entries), f"{stem}.xlsx", XLSX)
    # Overdue first, then due within the recall window, then never verified; the page is
    # read from the database (a national list holds 10^5 entries).
    pages = services.DuePages(
        instruments,
        owner_id=owner_id,
        region=region,
        cap=_count_cap(request),
        region_scope=due_counts.region_scope(user, owner_id, region),
    )
    recall = rules.rule("recall", _today())
    context = {
        "form": form,
        "page": _page(
            request,
            pages,
            count=traceability.Tally(len(pages), any(t.more for t in pages.counts.values())),
        ),
        "query": _query_without(request),
        "states": pages.counts,
        "total": len(pages),
        "recall": recall,
        "export_query": listing.query_without(request, "page", "export", "format"),
        "listed": True,
        "owner": owner,
    }
    return render(request, "registry/due.html", context)
