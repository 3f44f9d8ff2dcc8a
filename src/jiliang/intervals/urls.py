"""URLs of the interval review pages, inside the `intervals` namespace."""

from django.urls import path

from jiliang.intervals import views

app_name = "intervals"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/accept/", views.review_accept, name="accept"),
    path("<int:pk>/plot.png", views.review_plot, name="plot"),
]
