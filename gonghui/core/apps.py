from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from gonghui.core import checks  # noqa: F401  (registers the system checks)
