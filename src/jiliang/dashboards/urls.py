"""The global search page (/search/); the home page is routed by the registry's URLs."""

from django.urls import path

from jiliang.dashboards import views

app_name = "dashboards"
urlpatterns = [path("search/", views.search, name="search")]
