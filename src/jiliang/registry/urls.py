from django.urls import path

from jiliang.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
]
