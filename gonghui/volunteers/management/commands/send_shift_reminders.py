"""Text tomorrow's volunteers a reminder of their shift (run daily, e.g. at 18:00)."""

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gonghui.volunteers.actions import send_reminders


class Command(BaseCommand):
    help = "Text everyone with a place on a shift starting tomorrow (once per shift)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat, help="Another day (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["day"] or timezone.localdate() + timedelta(days=1)
        sent = send_reminders(on=day)
        self.stdout.write(f"{sent} reminders for {day.isoformat()}")
