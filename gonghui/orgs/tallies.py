"""Exact daily tallies per org, the figures behind the dashboards.

An action that makes something countable happen calls `count()` inside its own transaction:
the tally then commits or rolls back with the row it counts. The increment is one upsert
statement (INSERT ... ON CONFLICT DO UPDATE), safe under concurrency on PostgreSQL and SQLite.

Each metric has one owner, the app whose actions count it, and is named there once, in the
app's `metrics.py` (`members.metrics`, `checkins.metrics`, `benefits.metrics`): the name
`<app>.<what>` as a constant the actions count, the `Source` that recomputes it from the
app's rows (`dashboards.tallies.rebuild`/`verify` run every app's SOURCES), and, for a metric
counted at the org of an object that can change hands, the object's `share` that `move`
carries to the new org in the action's transaction.

A stock (how many there are now, not how many happened on a day) is one row per org kept the
same way, on the fixed day STOCK_DAY (key: `stock(org_id, metric)`): `members.metrics.ACTIVE`
is moved by every action that starts or ends an active membership, in its transaction, so the
members of a subtree now are a sum over its orgs' rows, not a count of a million members.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, DateTimeField, F, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
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


def local_day(moment: datetime | None = None) -> date:
    """The calendar day (in the site's time zone) a moment falls on."""
    return timezone.localdate(moment or timezone.now())


def stock(org_id: int, metric: str) -> tuple[int, date, str]:
    """The count_many key of an org's stock of `metric` (e.g. members.metrics.ACTIVE)."""
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


# --- one object's share, moved with it ---------------------------------------------------------

#: {(day, metric): n}: what one object's rows add to its org's tallies, per day.
Share = Counter[tuple[date, str]]


def share(rows: QuerySet[Any], *, metric: str, day: str, value: str | None = None) -> Share:
    """What `rows` add to `metric`, per day: counted (or their `value` summed) on the local
    day of the field `day`, by the rule the actions count with (`local_day`: a moment falls
    on its calendar day in the site's time zone; a date field is its own day). One query."""
    field = rows.model._meta.get_field(day)
    on = TruncDate(day) if isinstance(field, DateTimeField) else F(day)
    per_day = (
        rows.order_by()
        .annotate(t_day=on)
        .values("t_day")
        .annotate(n=Sum(value) if value else Count("pk"))
    )
    found: Share = Counter()
    for moment, n in per_day.values_list("t_day", "n"):
        if n:
            found[(moment, metric)] += n
    return found


def move(share: Mapping[tuple[date, str], int], *, from_org_id: int, to_org_id: int) -> None:
    """Carry one object's share of the tallies from its old org to its new one: each
    (day, metric) row of `from_org_id` loses n and the same row of `to_org_id` gains n, in one
    `count_many` inside the caller's transaction (the action that hands the object over).

    Tallies are per org, day and metric, summed over every object counted there, so the
    object's own part of each row is recomputed from its source rows (`share`) rather than
    read from the tally. The caller locks the object's row before computing the share and
    the counting actions read the object's org under that lock, so a count committed
    meanwhile lands at the org it then sees and is neither lost nor moved twice."""
    if from_org_id == to_org_id:
        return
    moved: Counter[tuple[int, date, str]] = Counter()
    for (day, metric), n in share.items():
        moved[(from_org_id, day, metric)] -= n
        moved[(to_org_id, day, metric)] += n
    count_many(moved)


# --- recomputing from the source rows (dashboards.tallies) --------------------------------------

#: A grouped query whose rows are (t_org, t_day, t_metric, t_value), and its sign.
Part = tuple[QuerySet[Any, Any], int]


def grouped(
    rows: QuerySet[Any], *, org: Any, day: Any, metric: Any, value: Any = None
) -> QuerySet[Any, Any]:
    """`rows` counted (or `value` summed) per (org, day, metric) under the column names
    every part shares. `day` of a moment is `TruncDate(field)`, the site's local day."""
    if isinstance(metric, str):
        metric = Value(metric, output_field=CharField())
    result: QuerySet[Any, Any] = (
        rows.order_by()
        .annotate(t_org=org, t_day=day, t_metric=metric)
        .values("t_org", "t_day", "t_metric")
        .annotate(t_value=value or Count("pk"))
    )
    return result


@dataclass(frozen=True)
class Source:
    """How the owner of `metrics` recomputes them from its rows: `parts(wanted)` gives the
    grouped queries (see `grouped`) for the wanted subset of `metrics`, each with its sign;
    their signed sum per (org, day, metric) is what the tallies must hold."""

    metrics: tuple[str, ...]
    parts: Callable[[set[str]], list[Part]]
