"""Admin for interval reviews: read-only; acceptance goes through services.accept so that
who accepted and why is always recorded."""

from __future__ import annotations

from django.contrib import admin

from jiliang.adminutil import ReadOnlyAdmin
from jiliang.intervals.models import IntervalReview


@admin.register(IntervalReview)
class IntervalReviewAdmin(ReadOnlyAdmin):
    list_display = ("owner", "maker", "model", "regulation", "recommended_days", "state")
    list_filter = ("state",)
    exclude = ("plot_png",)
