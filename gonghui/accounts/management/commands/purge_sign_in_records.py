from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from gonghui.accounts.models import LoginCode
from gonghui.core import ratelimits


class Command(BaseCommand):
    help = (
        "Delete sign-in codes expired more than a day ago and closed rate-limit windows "
        "(failed sign-ins among them) of the database store."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        codes, _ = LoginCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
        windows = ratelimits.purge_expired()
        self.stdout.write(f"Sign-in codes removed: {codes}; rate-limit windows removed: {windows}")
