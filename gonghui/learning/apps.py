from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "gonghui.learning"
    label = "learning"
