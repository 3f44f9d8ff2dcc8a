from django.contrib import admin
from django.urls import include, path

from jiliang.api import api
from jiliang.calibration.check_views import check_page
from jiliang.errors import json_api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", json_api_urls(api.urls)),  # a wrong method answers JSON 405 (errors.py)
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("calibration/", include("jiliang.calibration.urls")),
    path("ledger/", include("jiliang.ledger.urls")),
    path("taximeters/", include("jiliang.taximeters.urls")),
    path("comparisons/", include("jiliang.comparisons.urls")),
    path("intervals/", include("jiliang.intervals.urls")),
    path("lots/", include("jiliang.lots.urls")),
    path("notices/", include("jiliang.notices.urls")),
    path("staff/", include("jiliang.accounts.staff_urls")),
    path("my/", include("jiliang.calibration.portal_urls")),
    path("check/", check_page, name="check"),
    path("energy/", include("jiliang.monitoring.urls")),
    path("market/", include("jiliang.market.urls")),
    path("services/", include("jiliang.services.urls")),
    path("cloud/", include("jiliang.cloud.urls")),
    path("", include("jiliang.dashboards.urls")),  # /search/
    path("", include("jiliang.registry.edit_urls")),
    path("", include("jiliang.registry.urls")),
]

# Styled pages for people, JSON under /api/ (jiliang.errors)
handler400 = "jiliang.errors.bad_request"
handler403 = "jiliang.errors.permission_denied"
handler404 = "jiliang.errors.page_not_found"
handler500 = "jiliang.errors.server_error"
