from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    name = "jiliang.calibration"
    label = "calibration"
