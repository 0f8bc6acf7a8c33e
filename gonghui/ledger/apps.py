from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LedgerConfig(AppConfig):
    name = "gonghui.ledger"
    label = "ledger"

    def ready(self) -> None:
        from gonghui.ledger.triggers import install_after_migrate

        # After every migrate (the test databases are built without migrations, so a
        # migration alone would leave them without the triggers).
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="ledger.triggers")
