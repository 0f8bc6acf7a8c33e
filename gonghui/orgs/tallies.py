"""Exact daily tallies per org, the figures behind the dashboards.

An action that makes something countable happen calls `count()` inside its own transaction:
the tally then commits or rolls back with the row it counts. The increment is one upsert
statement (INSERT ... ON CONFLICT DO UPDATE), safe under concurrency on PostgreSQL and SQLite.

Metrics are named `<app>.<what>` (e.g. "checkins.activity"); the dashboards app lists the
ones it shows and can rebuild every tally from the source rows to prove them exact.
"""

from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from gonghui.orgs.models import Tally

# The table name is our own model's, not input; values go as parameters.
_TABLE = Tally._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (org_id, day, metric, value) VALUES (%s, %s, %s, %s) "  # noqa: S608
    f"ON CONFLICT (org_id, day, metric) DO UPDATE SET value = {_TABLE}.value + excluded.value"
)


def local_day(moment: datetime | None = None) -> date:
    """The calendar day (in the site's time zone) a moment falls on."""
    return timezone.localdate(moment or timezone.now())


def count(org_id: int, metric: str, n: int = 1, *, on: date | datetime | None = None) -> None:
    """Add n (may be negative) to the org's tally of `metric` for the day `on` (default today)."""
    if n == 0:
        return
    day = on if isinstance(on, date) and not isinstance(on, datetime) else local_day(on)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [org_id, day, metric, n])
