from typing import Any

from django.core.management.base import BaseCommand

from gonghui.core.imports import fail_stalled_jobs


class Command(BaseCommand):
    help = (
        "Fail the imports whose worker died while checking or importing them (no heartbeat "
        "for GONGHUI_IMPORT_STALLED_MINUTES); run every few minutes from cron or a scheduler."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Stalled imports failed: {fail_stalled_jobs()}")
