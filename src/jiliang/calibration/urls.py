"""Pages of verification and calibration work under /calibration/."""

from django.urls import path

from jiliang.calibration import views

app_name = "calibration"
urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("jobs/new/", views.job_new, name="job_new"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/standards/", views.job_standards, name="job_standards"),
    path("jobs/<int:pk>/conditions/", views.job_conditions, name="job_conditions"),
    path("jobs/<int:pk>/observations/", views.job_observations, name="job_observations"),
    path("jobs/<int:pk>/upload/", views.job_upload, name="job_upload"),
    path("jobs/<int:pk>/sign/", views.job_sign, name="job_sign"),
    path("jobs/<int:pk>/reject/", views.job_reject, name="job_reject"),
    path("jobs/<int:pk>/return/", views.job_return, name="job_return"),
    path("certificates/<str:number>/<str:fmt>", views.certificate_file, name="certificate_file"),
    path("procedures/", views.procedure_list, name="procedures"),
    path("keys/", views.public_keys, name="keys"),
    path("keys/<int:institution_id>.pem", views.public_key_file, name="key_file"),
    path("recalls/", views.recall_list, name="recalls"),
    path("recalls/<int:pk>/", views.recall_detail, name="recall"),
]
