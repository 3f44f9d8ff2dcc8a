"""URLs of the inbox and the unsubscribe link, inside the `notices` namespace."""

from django.urls import path

from jiliang.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
