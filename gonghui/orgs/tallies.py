"""Exact daily tallies per org, the figures behind the dashboards.

An action that makes something countable happen calls `count()` inside its own transaction:
the tally then commits or rolls back with the row it counts. The increment is one upsert
statement (INSERT ... ON CONFLICT DO UPDATE), safe under concurrency on PostgreSQL and SQLite.

Metrics are named `<app>.<what>` (e.g. "checkins.activity"); the dashboards app lists the
ones it shows and can rebuild every tally from the source rows to prove them exact.

A stock (how many there are now, not how many happened on a day) is one row per org kept the
same way, on the fixed day STOCK_DAY (key: `stock(org_id, metric)`): "members.active" is
moved by every action that starts or ends an active membership, in its transaction, so the
members of a subtree now are a sum over its orgs' rows, not a count of a million members.
"""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from gonghui.orgs.models import Tally

# The table name is our own model's, not input; values go as parameters.
_TABLE = Tally._meta.db_table
_INSERT = f"INSERT INTO {_TABLE} (org_id, day, metric, value) VALUES "  # noqa: S608
_ON_CONFLICT = (
    f" ON CONFLICT (org_id, day, metric) DO UPDATE SET value = {_TABLE}.value + excluded.value"
)
_UPSERT = _INSERT + "(%s, %s, %s, %s)" + _ON_CONFLICT
# Rows per statement of count_many: 4 parameters each stays far below SQLite's limit.
_MANY_CHUNK = 500

# The day a stock's single row per org is kept on: far before any real day, so that no
# period's range of days ever includes it.
STOCK_DAY = date(1, 1, 1)
MEMBERS_ACTIVE = "members.active"


def local_day(moment: datetime | None = None) -> date:
    """The calendar day (in the site's time zone) a moment falls on."""
    return timezone.localdate(moment or timezone.now())


def stock(org_id: int, metric: str) -> tuple[int, date, str]:
    """The count_many key of an org's stock of `metric` (e.g. MEMBERS_ACTIVE)."""
    return (org_id, STOCK_DAY, metric)


def count(org_id: int, metric: str, n: int = 1, *, on: date | datetime | None = None) -> None:
    """Add n (may be negative) to the org's tally of `metric` for the day `on` (default today)."""
    if n == 0:
        return
    day = on if isinstance(on, date) and not isinstance(on, datetime) else local_day(on)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [org_id, day, metric, n])


def count_many(counts: Mapping[tuple[int, date, str], int]) -> None:
    """Add many tallies at once, {(org_id, day, metric): n}: one multi-row upsert per 500
    keys, for set-based actions (a roster import, a batch of offline scans). The keys go in
    sorted order, so two concurrent calls lock the rows they share in the same order."""
    rows = sorted((key, n) for key, n in counts.items() if n != 0)
    for start in range(0, len(rows), _MANY_CHUNK):
        chunk = rows[start : start + _MANY_CHUNK]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params: list[int | date | str] = []
        for (org_id, day, metric), n in chunk:
            params += [org_id, day, metric, n]
        with connection.cursor() as cursor:
            cursor.execute(_INSERT + values + _ON_CONFLICT, params)
