from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "gonghui.volunteers"
    label = "volunteers"
