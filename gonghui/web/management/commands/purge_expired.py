from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gonghui.core.idempotency import purge_expired_keys
from gonghui.core.imports import discard_stale_uploads


class Command(BaseCommand):
    help = (
        "Forget what is only kept for a while: Idempotency-Key records past their time to live, "
        "and (through each app's purge command) used sign-in codes and old login failures. "
        "Run it daily from cron or a scheduler."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Idempotency records removed: {purge_expired_keys()}")
        self.stdout.write(f"Unconfirmed import files discarded: {discard_stale_uploads()}")
        call_command("purge_sign_in_records", stdout=self.stdout)
