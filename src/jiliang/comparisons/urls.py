"""URLs of the comparison campaign pages, inside the `comparisons` namespace."""

from django.urls import path

from jiliang.comparisons import views

app_name = "comparisons"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/report.<str:fmt>", views.report, name="report"),
    path("evidence/<int:institution_pk>/", views.evidence, name="evidence"),
]
