"""Pages of the `cloud` app, inside the `cloud` namespace (mounted at /cloud/)."""

from django.urls import path

from jiliang.cloud import views

app_name = "cloud"
urlpatterns = [
    path("", views.search, name="search"),
    path("capabilities/<str:code>/", views.capability, name="capability"),
    path("demands/", views.demand_list, name="demands"),
    path("demands/<int:pk>/", views.demand_detail, name="demand"),
    path("open/", views.open_data, name="open"),
    path("open/<slug:name>.<str:fmt>", views.open_download, name="download"),
    path("statistics/", views.statistics_page, name="statistics"),
]
