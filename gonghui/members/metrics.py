"""The tallies the members app counts (see gonghui.orgs.tallies), named once here, and how
each is recomputed from the rows.

Each metric: who counts it; the rows that recompute it; the org and the day it counts at.

- `applications.submitted`: submit_application; every application; the receiving union;
  submitted_at.
- `applications.approved`: approve_application(s); approved applications; the receiving
  union; reviewed_at.
- `recruited.<job_type>`: approve_application(s); approved applications of an event; the
  event's union; the event's starts_at.
- `members.joined`: approval, import, rejoining, roster; episodes that start, less transfers
  in; the episode's union; started_on.
- `members.left`: record_leaving; episodes that end, less transfers out; the episode's union;
  ended_on.
- `members.transferred_in` / `_out`: accept_transfer; accepted transfers; to_org / from_org;
  decided_at.
- `members.active` (a stock): every action that starts or ends an active membership; active
  members now; the member's union; STOCK_DAY.

A membership's history is its episodes: joining (approval, rejoining, a roster) opens one,
leaving closes one, and an accepted transfer closes one and opens the next on the day it is
decided. Subtracting the transfers leaves the joins and the departures. None of these moves
with an object: a union's members change unions by transfer, which counts on both sides.
"""

from django.db.models import CharField, DateField, F, QuerySet, Value
from django.db.models.functions import Concat, TruncDate

from gonghui.members.choices import JobType
from gonghui.members.models import Application, Episode, Member, Transfer
from gonghui.orgs.tallies import STOCK_DAY, Part, Source, grouped

SUBMITTED = "applications.submitted"
APPROVED = "applications.approved"
JOINED = "members.joined"
LEFT = "members.left"
TRANSFERRED_IN = "members.transferred_in"
TRANSFERRED_OUT = "members.transferred_out"
#: A stock: one row per union on orgs.tallies.STOCK_DAY, its active members now.
ACTIVE = "members.active"
RECRUITED_PREFIX = "recruited."


def recruited(job_type: str) -> str:
    """Members recruited through an event with this job type (by the event's start day)."""
    return f"{RECRUITED_PREFIX}{job_type}"


RECRUITED = {recruited(job_type): job_type for job_type in JobType.values}


def _accepted() -> QuerySet[Transfer]:
    return Transfer.objects.filter(status=Transfer.Status.ACCEPTED, decided_at__isnull=False)


def _applications(wanted: set[str]) -> list[Part]:
    parts: list[Part] = []
    org = F("org_id")
    if SUBMITTED in wanted:
        day = TruncDate("submitted_at")
        parts.append((grouped(Application.objects.all(), org=org, day=day, metric=SUBMITTED), 1))
    if APPROVED in wanted:
        rows = Application.objects.filter(
            status=Application.Status.APPROVED, reviewed_at__isnull=False
        )
        parts.append((grouped(rows, org=org, day=TruncDate("reviewed_at"), metric=APPROVED), 1))
    return parts


def _recruited(wanted: set[str]) -> list[Part]:
    rows = Application.objects.filter(status=Application.Status.APPROVED, event__isnull=False)
    if len(wanted) < len(RECRUITED):
        rows = rows.filter(job_type__in=sorted(RECRUITED[m] for m in wanted))
    metric = Concat(Value(RECRUITED_PREFIX), F("job_type"), output_field=CharField())
    org, day = F("event__org_id"), TruncDate("event__starts_at")
    return [(grouped(rows, org=org, day=day, metric=metric), 1)]


def _joined(wanted: set[str]) -> list[Part]:
    decided = TruncDate("decided_at")
    return [
        (grouped(Episode.objects.all(), org=F("org_id"), day=F("started_on"), metric=JOINED), 1),
        (grouped(_accepted(), org=F("to_org_id"), day=decided, metric=JOINED), -1),
    ]


def _left(wanted: set[str]) -> list[Part]:
    decided = TruncDate("decided_at")
    ended = Episode.objects.filter(ended_on__isnull=False)
    return [
        (grouped(ended, org=F("org_id"), day=F("ended_on"), metric=LEFT), 1),
        (grouped(_accepted(), org=F("from_org_id"), day=decided, metric=LEFT), -1),
    ]


def _transfers(wanted: set[str]) -> list[Part]:
    decided = TruncDate("decided_at")
    ends = [(TRANSFERRED_IN, "to_org_id"), (TRANSFERRED_OUT, "from_org_id")]
    return [
        (grouped(_accepted(), org=F(column), day=decided, metric=metric), 1)
        for metric, column in ends
        if metric in wanted
    ]


def _active(wanted: set[str]) -> list[Part]:
    rows = Member.objects.filter(status=Member.Status.ACTIVE)
    day = Value(STOCK_DAY, output_field=DateField())
    return [(grouped(rows, org=F("org_id"), day=day, metric=ACTIVE), 1)]


SOURCES = [
    Source((SUBMITTED, APPROVED), _applications),
    Source(tuple(RECRUITED), _recruited),
    Source((JOINED,), _joined),
    Source((LEFT,), _left),
    Source((TRANSFERRED_IN, TRANSFERRED_OUT), _transfers),
    Source((ACTIVE,), _active),
]
