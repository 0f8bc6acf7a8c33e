from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from gonghui.accounts.models import LoginCode, LoginFailure


class Command(BaseCommand):
    help = "Delete expired sign-in codes and login failures older than the lockout window."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        codes, _ = LoginCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
        window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        failures, _ = LoginFailure.objects.filter(created_at__lt=now - window).delete()
        self.stdout.write(f"Sign-in codes removed: {codes}; login failures removed: {failures}")
