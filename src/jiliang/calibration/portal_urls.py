"""URLs of /my/: what an owner follows of the laboratories' work on its instruments."""

from django.urls import path

from jiliang.calibration import portal

app_name = "portal"

urlpatterns = [path("jobs/", portal.my_jobs, name="jobs")]
