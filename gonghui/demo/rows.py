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


# Fields whose values the drivers take as they are (ints, strings, booleans, None): preparing
# them is a no-op that costs a third of the write. Exact types only: the encrypted and hashed
# fields subclass TextField and CharField and must be prepared.
_PLAIN = {
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new rows of `model`, each {attname: value}, every row with the same columns;
    return their primary keys in order."""
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    unknown = set(rows[0]) - set(defaults)
    if unknown:
        raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
    given = [f for f in fields if f.attname in rows[0]]
    missing = [f for f in fields if f.attname not in rows[0]]
    # A missing column gets what save() would put there: its default, or what its pre_save
    # computes (the present for auto_now_add, a lookup hash from its source) row by row.
    computed = [f for f in missing if type(f).pre_save is not models.Field.pre_save]
    constant = [f for f in missing if f not in computed]
    same = [f.get_db_prep_save(defaults[f.attname], connection) for f in constant]
    plain = [type(f) in _PLAIN for f in given]
    keys = _new_keys(model, len(rows))
    params = []
    for key, row in zip(keys, rows, strict=True):
        if len(row) != len(given):
            raise ValueError(f"a {meta.label} row with other columns than the first")
        values = [
            row[f.attname] if as_is else f.get_db_prep_save(row[f.attname], connection)
            for f, as_is in zip(given, plain, strict=True)
        ]
        if computed:
            source: Any = SimpleNamespace(**(defaults | row))  # what a pre_save reads
            values += [f.get_db_prep_save(f.pre_save(source, True), connection) for f in computed]
        params.append([key, *values, *same])
    quote = connection.ops.quote_name
    ordered = [meta.pk, *given, *computed, *constant]
    columns = ", ".join(quote(str(f.column)) for f in ordered)
    marks = ", ".join(["%s"] * len(ordered))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 — the model's names
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return keys
