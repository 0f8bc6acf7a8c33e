"""Rebuilding the daily tallies from the rows they count, and proving them exact.

The actions keep `orgs.Tally` up to date one upsert at a time (see `gonghui.orgs.tallies`).
Loaders that write in bulk (the demo data, the city-scale benchmark) bypass the actions, and a
bug in an action would make a figure drift silently; `rebuild()` recomputes the tallies of
some or all metrics from the source rows with one set-based INSERT ... SELECT per source, and
`verify()` compares what is stored with what the rows say.

Each metric is counted where and when it happened, by the same rule as the actions (the local
day in the site's time zone, `orgs.tallies.local_day`; `TruncDate` converts to that zone on
SQLite and PostgreSQL alike). The app that counts a metric owns it: its `metrics.py` names it
and declares the `Source` that recomputes it (`members.metrics`, `checkins.metrics`,
`benefits.metrics`, each with a table of its metrics); this module runs them all.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from gonghui.benefits import metrics as benefits_metrics
from gonghui.checkins import metrics as checkins_metrics
from gonghui.learning import metrics as learning_metrics
from gonghui.members import metrics as members_metrics
from gonghui.orgs.models import Tally
from gonghui.orgs.tallies import Part
from gonghui.volunteers import metrics as volunteers_metrics

SOURCES = [
    *members_metrics.SOURCES,
    *checkins_metrics.SOURCES,
    *benefits_metrics.SOURCES,
    *volunteers_metrics.SOURCES,
    *learning_metrics.SOURCES,
]
METRICS: tuple[str, ...] = tuple(m for source in SOURCES for m in source.metrics)


def _wanted(metrics: Iterable[str] | None) -> set[str]:
    if metrics is None:
        return set(METRICS)
    wanted = set(metrics)
    unknown = wanted - set(METRICS)
    if unknown:
        raise ValueError(f"no source rows known for {sorted(unknown)}; known: {list(METRICS)}")
    return wanted


def _select(parts: list[Part]) -> tuple[str, list[Any]]:
    """One SELECT of (org, day, metric, value) over the parts, signed and summed."""
    selects: list[str] = []
    params: list[Any] = []
    for i, (query, sign) in enumerate(parts):
        sql, part_params = query.query.sql_with_params()
        value = "t_value" if sign > 0 else "-t_value"
        # By alias, not by position: the column order of the compiled part is Django's.
        selects.append(f"SELECT t_org, t_day, t_metric, {value} AS t_value FROM ({sql}) p{i}")  # noqa: S608
        params += part_params
    if len(parts) == 1 and parts[0][1] > 0:
        return selects[0], params
    union = " UNION ALL ".join(selects)
    return (
        f"SELECT t_org, t_day, t_metric, SUM(t_value) FROM ({union}) s "  # noqa: S608
        "GROUP BY t_org, t_day, t_metric HAVING SUM(t_value) <> 0",
        params,
    )


def _statements(wanted: set[str]) -> list[tuple[str, list[Any]]]:
    statements = []
    for source in SOURCES:
        mine = wanted.intersection(source.metrics)
        if mine:
            statements.append(_select(source.parts(mine)))
    return statements


def rebuild(metrics: Iterable[str] | None = None) -> dict[str, int]:
    """Replace the tallies of `metrics` (default: every metric with known source rows) with
    counts of the rows; returns the new total of each metric. One transaction: readers see
    the old tallies or the new ones. On PostgreSQL the tally table is locked against writes
    meanwhile, so an action committing during the rebuild is neither lost nor counted twice
    (it waits, then adds to the rebuilt figure)."""
    wanted = _wanted(metrics)
    table = connection.ops.quote_name(Tally._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        Tally.objects.filter(metric__in=wanted).delete()
        for sql, params in _statements(wanted):
            cursor.execute(
                f"INSERT INTO {table} (org_id, day, metric, value) {sql}",
                params,
            )
    totals = dict.fromkeys(sorted(wanted), 0)
    sums = Tally.objects.filter(metric__in=wanted).values("metric").annotate(n=Sum("value"))
    totals.update(sums.order_by().values_list("metric", "n"))
    return totals


@dataclass(frozen=True)
class Difference:
    org_id: int
    day: date
    metric: str
    stored: int
    counted: int

    def __str__(self) -> str:
        return (
            f"{self.metric} org {self.org_id} {self.day}: stored {self.stored}, "
            f"rows say {self.counted}"
        )


def counted(metrics: Iterable[str] | None = None) -> dict[tuple[int, date, str], int]:
    """What the source rows say, {(org_id, day, metric): n} (zeros left out)."""
    wanted = _wanted(metrics)
    found: dict[tuple[int, date, str], int] = {}
    with connection.cursor() as cursor:
        for sql, params in _statements(wanted):
            cursor.execute(sql, params)
            for org_id, day, metric, value in cursor.fetchall():
                if isinstance(day, str):  # SQLite returns the truncated date as text
                    day = date.fromisoformat(day)
                if value:
                    found[(int(org_id), day, metric)] = int(value)
    return found


def stored(metrics: Iterable[str] | None = None) -> dict[tuple[int, date, str], int]:
    """The tallies as stored, in the same shape (zeros left out)."""
    wanted = _wanted(metrics)
    rows = Tally.objects.filter(metric__in=wanted).exclude(value=0)
    return {
        (org_id, day, metric): value
        for org_id, day, metric, value in rows.values_list("org_id", "day", "metric", "value")
    }


def verify(metrics: Iterable[str] | None = None) -> list[Difference]:
    """Every (org, day, metric) whose stored tally differs from the rows; [] when exact."""
    have = stored(metrics)
    want = counted(metrics)
    return [
        Difference(org_id, day, metric, have.get(key, 0), want.get(key, 0))
        for key in sorted(have.keys() | want.keys())
        for org_id, day, metric in [key]
        if have.get(key, 0) != want.get(key, 0)
    ]
