"""The import page: upload a file, see every problem (file, row, field, reason) or the result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.registry import forms, importers, uploads

SHOWN_PROBLEMS = 500  # a page lists this many; the count says how many there are


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the form and the columns of each kind. POST: import; 400 lists the problems."""
    columns = {kind: importers.REQUIRED[kind] for kind in importers.KINDS}
    if request.method != "POST":
        return render(
            request, "registry/import.html", {"form": forms.ImportForm(), "columns": columns}
        )
    form = forms.ImportForm(request.POST, request.FILES)
    context: dict[str, object] = {"form": form, "columns": columns}
    if not form.is_valid():
        return render(request, "registry/import.html", context, status=400)
    kind = form.cleaned_data["kind"]
    try:
        result = uploads.import_upload(kind, form.cleaned_data["file"], request.user)
    except importers.ImportRejected as exc:
        context["problems"] = exc.errors[:SHOWN_PROBLEMS]
        context["problem_count"] = len(exc.errors)
        return render(request, "registry/import.html", context, status=400)
    context["result"] = result
    context["form"] = forms.ImportForm(initial={"kind": kind})
    return render(request, "registry/import.html", context)
