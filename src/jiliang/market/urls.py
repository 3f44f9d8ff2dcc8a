"""Pages of the `market` app, inside the `market` namespace (mounted at /market/)."""

from django.urls import URLPattern, path

from jiliang.market import honest_views, prepack_views, public_views, views

app_name = "market"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("findings/<int:pk>/case/", views.open_case, name="open_case"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("honest/", honest_views.dashboard, name="honest"),
    path("risk/", views.screening, name="screening"),
    path("prepack/", prepack_views.prepack_page, name="prepack"),
    path("prepack/<int:pk>/", prepack_views.prepack_detail, name="prepack_detail"),
    path("public/", views.public_results, name="public_results"),
    path("public/campaigns/<str:code>/", views.public_result, name="public_result"),
    path("public/complaint/", public_views.complaint, name="complaint"),
    path("public/c-mark/", public_views.c_mark, name="c_mark"),
    path("public/model-units/", public_views.model_units, name="model_units"),
]
