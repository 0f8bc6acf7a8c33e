from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gonghui.members.retention import anonymise_expired


class Command(BaseCommand):
    help = (
        "Anonymise applicants rejected, withdrawn or never reviewed and former members whose "
        "retention period has passed (GONGHUI_RETAIN_*_DAYS); the figures stay the same. "
        "Run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count who is due; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = anonymise_expired(dry_run=options["dry_run"])
        verb = "Due for anonymisation" if summary.dry_run else "Anonymised"
        self.stdout.write(
            f"{verb}: {summary.members} former members, {summary.applications} applications"
        )
