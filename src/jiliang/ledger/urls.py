from django.urls import path

from jiliang.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("entries/<int:index>/", views.entry, name="entry"),
    path("keys/", views.public_keys, name="keys"),
]
