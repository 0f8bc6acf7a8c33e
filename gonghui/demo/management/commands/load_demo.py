from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gonghui.demo.load import demo_is_loaded, load_demo, print_demo_logins


class Command(BaseCommand):
    help = "Load the demo organisations and accounts into an empty database."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded():
            raise CommandError("The demo data is already loaded.")
        load_demo()
        print_demo_logins()
