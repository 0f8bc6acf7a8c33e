from django.apps import AppConfig


class InnovationConfig(AppConfig):
    name = "gonghui.innovation"
    label = "innovation"
