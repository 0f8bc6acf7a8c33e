from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gonghui.checkins.nonces import KEEP_DAYS, purge_old_answers
from gonghui.core.idempotency import purge_expired_keys
from gonghui.core.imports import discard_stale_uploads
from gonghui.members.exports import discard_stale_exports


class Command(BaseCommand):
    help = (
        "Forget what is only kept for a while: Idempotency-Key records past their time to live, "
        "offline scan answers kept for replay, "
        "and (through each app's purge command) used sign-in codes and closed rate-limit windows. "
        "Run it daily from cron or a scheduler."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Idempotency records removed: {purge_expired_keys()}")
        self.stdout.write(f"Unconfirmed import files discarded: {discard_stale_uploads()}")
        self.stdout.write(f"Member export files discarded: {discard_stale_exports()}")
        self.stdout.write(
            f"Scan answers older than {KEEP_DAYS} days removed: {purge_old_answers()}"
        )
        call_command("purge_sign_in_records", stdout=self.stdout)
