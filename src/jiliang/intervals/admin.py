"""Admin for interval reviews: read-only; acceptance goes through services.accept so that
who accepted and why is always recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiliang.intervals.models import IntervalReview


@admin.register(IntervalReview)
class IntervalReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("owner", "maker", "model", "regulation", "recommended_days", "state")
    list_filter = ("state",)
    exclude = ("plot_png",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
