from typing import Any

from django.core.management.base import BaseCommand

from gonghui.checkins.actions import expire_offers


class Command(BaseCommand):
    help = (
        "Move waiting-list offers that were not confirmed in time on to the next person "
        "(run every few minutes from cron or a scheduler)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Offers expired: {expire_offers()}")
