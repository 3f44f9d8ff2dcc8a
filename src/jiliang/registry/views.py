"""Pages of the registry (thin: they call services and traceability)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.registry import services


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/home.html", {"counts": services.summary_counts(request.user)})
