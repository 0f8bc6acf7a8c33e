from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gonghui.demo.load import find_existing_data, load_demo, print_demo_logins


class Command(BaseCommand):
    help = "Load the demo organisations and accounts into an empty database."

    def handle(self, *args: Any, **options: Any) -> None:
        found = find_existing_data()
        if found is not None:
            raise CommandError(
                f"The database already holds {found.unions} unions and {found.members} members;"
                " the demo loads only into an empty one."
            )
        load_demo(report=lambda line: self.stdout.write(line))
        print_demo_logins()
