"""URLs of the registry pages, all inside the `registry` namespace."""

from django.urls import path

from jiliang.accounts import views as account_views
from jiliang.dashboards import views as dashboard_views
from jiliang.registry import customer_views, due_views, import_views, trace_views, views

app_name = "registry"
urlpatterns = [
    path("", dashboard_views.home, name="home"),  # the role-shaped dashboard (jiliang.dashboards)
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
    path("people/", views.person_list, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/<int:pk>/", views.standard_detail, name="standard"),
    path("standards/<int:pk>/trace-up/", trace_views.standard_trace_up, name="standard_trace_up"),
    path(
        "standards/<int:pk>/trace-down/",
        trace_views.standard_trace_down,
        name="standard_trace_down",
    ),
    path("standards/<int:pk>/impact/", trace_views.standard_impact, name="standard_impact"),
    path("materials/", views.material_list, name="materials"),
    path("materials/<int:pk>/", views.material_detail, name="material"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument"),
    path(
        "instruments/<int:pk>/trace-up/",
        trace_views.instrument_trace_up,
        name="instrument_trace_up",
    ),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/amend/", views.certificate_amend, name="certificate_amend"),
    path("catalogue/", views.catalogue_list, name="catalogue"),
    path("catalogue/<int:pk>/", views.catalogue_detail, name="catalogue_item"),
    path("schemes/", views.scheme_list, name="schemes"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("due/", due_views.due, name="due"),
    path("import/", import_views.import_page, name="import"),
    path("customers/", customer_views.customer_list, name="customers"),
    path("changes/<str:label>/<int:pk>/", views.change_log, name="changes"),
    path("account/tokens/", account_views.tokens, name="tokens"),
]
