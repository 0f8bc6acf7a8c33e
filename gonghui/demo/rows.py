"""Writing the demo's bulk story (members, applications, registrations, check-ins, visits):
rows straight into their tables with one executemany a table.

bulk_create builds a model instance a row and a multi-row statement a few hundred rows; for the
demo's ~100,000 rows that was most of the time `gonghui demo` took before its first page, and
it stamps auto_now(_add) columns with the present, so the past had to be written a second time.
Here each value is still prepared by its own field (encrypted, hashed, a date adapted) exactly as
an INSERT would send it; a column the row does not give gets what save() would put there (the
field's default, its pre_save: the present for an auto_now_add column, a lookup hash from its
source).
"""

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db import connection, models


def _new_keys(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for new rows. The demo loads alone into a fresh database inside
    one transaction that holds the write lock, so on SQLite the keys after the highest ever
    used are free; on PostgreSQL they come from the table's sequence."""
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [key for (key,) in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(str(meta.pk.column))}) FROM {quote(meta.db_table)}")  # noqa: S608 — the model's names
        highest = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never reuses a key, even one whose row is gone.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
            used = cursor.fetchone()
            highest = max(highest, used[0] if used else 0)
        return list(range(highest + 1, highest + 1 + count))


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new rows of `model`, each {attname: value}; return their primary keys in order."""
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    keys = _new_keys(model, len(rows))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in [meta.pk, *fields])
    marks = ", ".join(["%s"] * (len(fields) + 1))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 — the model's names
    defaults = {f.attname: f.get_default() for f in fields}
    unknown = set(rows[0]) - set(defaults)
    if unknown:
        raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
    params = []
    for key, row in zip(keys, rows, strict=True):
        source: Any = SimpleNamespace(**(defaults | row))  # what a field's pre_save reads
        values = [row[f.attname] if f.attname in row else f.pre_save(source, True) for f in fields]
        params.append(
            [key, *(f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True))]
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return keys
