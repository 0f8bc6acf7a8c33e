from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "gonghui.events"
    label = "events"
