"""URLs of the meter-lot pages, inside the `lots` namespace."""

from django.urls import path

from jiliang.lots import views

app_name = "lots"
urlpatterns = [
    path("", views.lot_list, name="list"),
    path("notice/", views.notice, name="notice"),
    path("<int:pk>/", views.lot_detail, name="detail"),
    path("<int:pk>/draw/", views.lot_draw, name="draw"),
    path("<int:pk>/results/", views.lot_record, name="record"),
    path("<int:pk>/decide/", views.lot_decide, name="decide"),
    path("<int:pk>/approve/", views.lot_approve, name="approve"),
]
