"""URLs of /staff/: an institution's users (managers) and the invitation page (anyone)."""

from django.urls import path

from jiliang.accounts import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("<int:pk>/", staff_views.staff_edit, name="edit"),
    path("invitation/<str:token>/", staff_views.accept, name="accept"),
]
