"""Pages of the taximeters app: the regulator's campaigns and alerts, a taxi company's own
meters, one meter with its seal events. Thin: queries go through visible_to(user)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jiliang.ledger.models import LogEntry
from jiliang.taximeters import services
from jiliang.taximeters.models import Campaign, CampaignTarget, SealAlert, TaxiMeter


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Regulators: campaigns with counts and open alerts. Others: their own meters."""
    user = request.user
    meters = TaxiMeter.objects.visible_to(user).select_related("instrument__owner")
    context = {
        "is_regulator": services._is_regulator(user),
        "meters": Paginator(meters, 50).get_page(request.GET.get("page")),
        "meter_count": meters.count(),
        "broken_count": meters.filter(seal_intact=False).count(),
        "alerts": SealAlert.objects.visible_to(user).select_related("meter")[:50],
    }
    if context["is_regulator"]:
        campaigns = Campaign.objects.visible_to(user).select_related("package")[:20]
        context["campaigns"] = [(c, services.campaign_counts(c)) for c in campaigns]
    return render(request, "taximeters/home.html", context)


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts and the rejected meters of one campaign (its regulator's region only)."""
    found = Campaign.objects.visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such campaign")
    rejected = found.targets.filter(status=CampaignTarget.Status.REJECTED).select_related("meter")
    context = {
        "campaign": found,
        "counts": services.campaign_counts(found),
        "rejected": rejected[:200],
        "alerts": SealAlert.objects.filter(campaign=found).select_related("meter")[:200],
    }
    return render(request, "taximeters/campaign.html", context)


@login_required
def meter(request: HttpRequest, serial: str) -> HttpResponse:
    """One meter: registry data, authorised vs reported state, its seal events in the log."""
    found = (
        TaxiMeter.objects.visible_to(request.user)
        .select_related("instrument__owner", "verification_certificate")
        .filter(meter_serial=serial)
        .first()
    )
    if found is None:
        raise Http404("no such meter")
    events = LogEntry.objects.filter(subject_kind="taximeter", subject=serial).order_by(
        "-leaf_index"
    )[:100]
    context = {"meter": found, "events": events, "alerts": found.alerts.all()[:50]}
    return render(request, "taximeters/meter.html", context)
