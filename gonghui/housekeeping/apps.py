from django.apps import AppConfig


class HousekeepingConfig(AppConfig):
    name = "gonghui.housekeeping"
    label = "housekeeping"
