import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.dashboards import tallies


class Command(BaseCommand):
    help = (
        "Recompute the daily per-org tallies behind the dashboards from the rows they count "
        "(after loading data in bulk, or to repair a drift); --check only compares."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing: list every tally that differs from the rows, fail if any does",
        )
        parser.add_argument(
            "--metric",
            action="append",
            dest="metrics",
            choices=tallies.METRICS,
            help="only this metric (repeatable; default: all of them)",
        )

    def handle(self, *args: Any, check: bool = False, metrics: Any = None, **options: Any) -> None:
        started = time.monotonic()
        if check:
            differences = tallies.verify(metrics)
            for difference in differences[:100]:
                self.stdout.write(str(difference))
            if differences:
                more = len(differences) - 100
                if more > 0:
                    self.stdout.write(f"… and {more} more")
                raise CommandError(f"{len(differences)} tallies differ from the rows.")
            self.stdout.write(f"Tallies are exact ({time.monotonic() - started:.1f} s).")
            return
        totals = tallies.rebuild(metrics)
        for metric, total in totals.items():
            self.stdout.write(f"{metric:<28} {total:>12,}")
        self.stdout.write(f"Tallies rebuilt in {time.monotonic() - started:.1f} s.")
