"""Rebuilding the daily tallies from the rows they count, and proving them exact.

The actions keep `orgs.Tally` up to date one upsert at a time (see `gonghui.orgs.tallies`).
Loaders that write in bulk (the demo data, the city-scale benchmark) bypass the actions, and a
bug in an action would make a figure drift silently; `rebuild()` recomputes the tallies of
some or all metrics from the source rows with one set-based INSERT ... SELECT per source, and
`verify()` compares what is stored with what the rows say.

Each metric is counted where and when it happened, by the same rule as the actions (the local
day in the site's time zone, `orgs.tallies.local_day`; `TruncDate` converts to that zone on
SQLite and PostgreSQL alike):

| metric | rows | org | day |
|---|---|---|---|
| applications.submitted | every application | receiving union | submitted_at |
| applications.approved | approved applications | receiving union | reviewed_at |
| members.joined | episodes that start, less transfers in | the episode's union | started_on |
| members.left | episodes that end, less transfers out | the episode's union | ended_on |
| members.transferred_in / _out | accepted transfers | to_org / from_org | decided_at |
| members.active (a stock) | active members now | the member's union | STOCK_DAY |
| recruited.<job_type> | approved applications of an event | event's union | event's starts_at |
| activities.registrations | every registration ever created | checkpoint org | created_at |
| checkins.<kind> | every check-in | checkpoint org | checked_in_at |
| benefits.views | each service's views per day (ServiceDay) | the service's org | day |
| benefits.claims | every claim | the member's union when claiming (Claim.org) | claimed_at |
| benefits.redemptions | redeemed claims | Claim.org | redeemed_at |

A membership's history is its episodes: joining (approval, rejoining, a roster) opens one,
leaving closes one, and an accepted transfer closes one and opens the next on the day it is
decided. Subtracting the transfers leaves the joins and the departures.

`members.active` is not a flow but a stock: one row per union on the fixed day
`orgs.tallies.STOCK_DAY`, the number of its members active now.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, DateField, F, QuerySet, Sum, Value
from django.db.models.functions import Concat, TruncDate

from gonghui.benefits.models import Claim, ServiceDay
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.members.choices import JobType
from gonghui.members.models import Application, Episode, Member, Transfer
from gonghui.orgs.models import Tally
from gonghui.orgs.tallies import MEMBERS_ACTIVE, STOCK_DAY

CHECKIN_METRICS = {f"checkins.{kind}": kind for kind in Checkpoint.Kind.values}
RECRUITED_METRICS = {f"recruited.{job_type}": job_type for job_type in JobType.values}

# A part is a grouped query whose rows are (t_org, t_day, t_metric, t_value), and its sign.
Part = tuple[QuerySet[Any, Any], int]


def _grouped(
    rows: QuerySet[Any], *, org: Any, day: Any, metric: Any, value: Any = None
) -> QuerySet[Any, Any]:
    """`rows` counted (or `value` summed) per (org, day, metric) under the column names
    every part shares."""
    if isinstance(metric, str):
        metric = Value(metric, output_field=CharField())
    grouped: QuerySet[Any, Any] = (
        rows.order_by()
        .annotate(t_org=org, t_day=day, t_metric=metric)
        .values("t_org", "t_day", "t_metric")
        .annotate(t_value=value or Count("pk"))
    )
    return grouped


def _accepted() -> QuerySet[Transfer]:
    return Transfer.objects.filter(status=Transfer.Status.ACCEPTED, decided_at__isnull=False)


def _applications(wanted: set[str]) -> list[Part]:
    parts: list[Part] = []
    org = F("org_id")
    if "applications.submitted" in wanted:
        rows = Application.objects.all()
        day = TruncDate("submitted_at")
        parts.append((_grouped(rows, org=org, day=day, metric="applications.submitted"), 1))
    if "applications.approved" in wanted:
        rows = Application.objects.filter(
            status=Application.Status.APPROVED, reviewed_at__isnull=False
        )
        day = TruncDate("reviewed_at")
        parts.append((_grouped(rows, org=org, day=day, metric="applications.approved"), 1))
    return parts


def _recruited(wanted: set[str]) -> list[Part]:
    rows = Application.objects.filter(status=Application.Status.APPROVED, event__isnull=False)
    if len(wanted) < len(RECRUITED_METRICS):
        rows = rows.filter(job_type__in=sorted(RECRUITED_METRICS[m] for m in wanted))
    metric = Concat(Value("recruited."), F("job_type"), output_field=CharField())
    org, day = F("event__org_id"), TruncDate("event__starts_at")
    return [(_grouped(rows, org=org, day=day, metric=metric), 1)]


def _joined(wanted: set[str]) -> list[Part]:
    metric, decided = "members.joined", TruncDate("decided_at")
    return [
        (_grouped(Episode.objects.all(), org=F("org_id"), day=F("started_on"), metric=metric), 1),
        (_grouped(_accepted(), org=F("to_org_id"), day=decided, metric=metric), -1),
    ]


def _left(wanted: set[str]) -> list[Part]:
    metric, decided = "members.left", TruncDate("decided_at")
    ended = Episode.objects.filter(ended_on__isnull=False)
    return [
        (_grouped(ended, org=F("org_id"), day=F("ended_on"), metric=metric), 1),
        (_grouped(_accepted(), org=F("from_org_id"), day=decided, metric=metric), -1),
    ]


def _transfers(wanted: set[str]) -> list[Part]:
    decided = TruncDate("decided_at")
    ends = [("members.transferred_in", "to_org_id"), ("members.transferred_out", "from_org_id")]
    return [
        (_grouped(_accepted(), org=F(column), day=decided, metric=metric), 1)
        for metric, column in ends
        if metric in wanted
    ]


def _active(wanted: set[str]) -> list[Part]:
    rows = Member.objects.filter(status=Member.Status.ACTIVE)
    day = Value(STOCK_DAY, output_field=DateField())
    return [(_grouped(rows, org=F("org_id"), day=day, metric=MEMBERS_ACTIVE), 1)]


def _registrations(wanted: set[str]) -> list[Part]:
    rows = Registration.objects.all()
    org, day = F("checkpoint__org_id"), TruncDate("created_at")
    return [(_grouped(rows, org=org, day=day, metric="activities.registrations"), 1)]


def _checkins(wanted: set[str]) -> list[Part]:
    # One pass over the check-ins for every kind asked for: it is the largest table.
    kinds = sorted(CHECKIN_METRICS[m] for m in wanted)
    rows = CheckIn.objects.all()
    if len(kinds) < len(CHECKIN_METRICS):
        rows = rows.filter(checkpoint__kind__in=kinds)
    metric = Concat(Value("checkins."), F("checkpoint__kind"), output_field=CharField())
    org, day = F("checkpoint__org_id"), TruncDate("checked_in_at")
    return [(_grouped(rows, org=org, day=day, metric=metric), 1)]


def _benefits(wanted: set[str]) -> list[Part]:
    parts: list[Part] = []
    if "benefits.views" in wanted:
        # Views are not rows of their own: each service keeps a count per day.
        days = ServiceDay.objects.all()
        parts.append(
            (_grouped(days, org=F("service__org_id"), day=F("day"), metric="benefits.views",
                      value=Sum("views")), 1)
        )  # fmt: skip
    if "benefits.claims" in wanted:
        day = TruncDate("claimed_at")
        parts.append(
            (_grouped(Claim.objects.all(), org=F("org_id"), day=day, metric="benefits.claims"), 1)
        )
    if "benefits.redemptions" in wanted:
        redeemed = Claim.objects.filter(redeemed_at__isnull=False)
        day = TruncDate("redeemed_at")
        parts.append(
            (_grouped(redeemed, org=F("org_id"), day=day, metric="benefits.redemptions"), 1)
        )
    return parts


@dataclass(frozen=True)
class Source:
    metrics: tuple[str, ...]
    parts: Callable[[set[str]], list[Part]]


SOURCES = [
    Source(("applications.submitted", "applications.approved"), _applications),
    Source(tuple(RECRUITED_METRICS), _recruited),
    Source(("members.joined",), _joined),
    Source(("members.left",), _left),
    Source(("members.transferred_in", "members.transferred_out"), _transfers),
    Source((MEMBERS_ACTIVE,), _active),
    Source(("activities.registrations",), _registrations),
    Source(tuple(CHECKIN_METRICS), _checkins),
    Source(("benefits.views", "benefits.claims", "benefits.redemptions"), _benefits),
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
