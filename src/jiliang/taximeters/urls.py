from django.urls import path

from jiliang.taximeters import views

app_name = "taximeters"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("meters/<str:serial>/", views.meter, name="meter"),
]
