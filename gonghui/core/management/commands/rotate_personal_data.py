from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from gonghui.core import audit, crypto
from gonghui.core.fields import EncryptedTextField

BATCH = 1000


def _stale_pks(
    model: type[models.Model], fields: list[EncryptedTextField], current: str
) -> Iterator[list[Any]]:
    """Batches of primary keys of rows with a value sealed by another key.

    Reads the raw ciphertext a batch at a time: nothing is decrypted to decide, and a table of
    millions of members is never held in memory at once.
    """
    quote = connection.ops.quote_name
    pk_column = str(model._meta.pk.column if model._meta.pk else "id")
    columns = ", ".join(quote(str(f.column)) for f in fields)
    table = quote(model._meta.db_table)
    last: Any = None
    while True:
        where = f"WHERE {quote(pk_column)} > %s " if last is not None else ""
        sql = (
            f"SELECT {quote(pk_column)}, {columns} FROM {table} {where}"  # noqa: S608
            f"ORDER BY {quote(pk_column)} LIMIT {BATCH}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [last] if last is not None else [])
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        stale = [
            row[0]
            for row in rows
            if any(token and crypto.key_id_of(token) != current for token in row[1:])
        ]
        if stale:
            yield stale


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data sealed with an older key using the current (first) key in "
        "GONGHUI_ENCRYPTION_KEYS. Run after prepending a new key; once it reports 0 rows, the "
        "old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        current = crypto.current_key_id()
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            count = 0
            for batch in _stale_pks(model, fields, current):
                with transaction.atomic():
                    for obj in model._base_manager.filter(pk__in=batch):
                        obj.save(update_fields=[f.attname for f in fields])
                count += len(batch)
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
        audit.record(
            actor=None, action="core.personal_data.rotated", changes={"key": current, "rows": total}
        )
        self.stdout.write(f"Done: {total} rows re-encrypted; all personal data uses {current!r}.")
