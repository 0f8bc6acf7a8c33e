"""Today's figures for the big screen in a hall (数据大屏): one dataclass refreshed every few
seconds, so a fixed handful of indexed queries however large the subtree.

Check-ins at activities and visits to stations are kept apart everywhere on the screen: a
station visit is a check-in too (checkins.metrics counts both), and a tile "check-ins today"
that summed them beside a tile "station visits today" showed every visit twice. Volunteer
shifts are neither and are not shown. Callers check access first (queries.get_dashboard_org).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.core.periods import Period
from gonghui.core.personal import mask_name
from gonghui.core.tree import subtree_q
from gonghui.dashboards.figures import _moments, count_members_now
from gonghui.enterprises.models import Enterprise
from gonghui.members import metrics as members_metrics
from gonghui.members.models import Application, Member
from gonghui.orgs.models import Org, Tally

BUSIEST_SHOWN = 5
LATEST_JOINS_SHOWN = 12
HOURS = 24


@dataclass(frozen=True)
class Busiest:
    title: str
    org_name: str
    checked_in: int


@dataclass(frozen=True)
class LatestJoin:
    name: str  # masked: the screen faces a public hall
    union: str
    at: datetime


@dataclass(frozen=True)
class HallFigures:
    day: date
    members: int
    joined_today: int
    applications_today: int
    activity_checkins_today: int
    station_visits_today: int
    applications_by_hour: list[int]
    activity_checkins_by_hour: list[int]
    station_visits_by_hour: list[int]
    busiest_activities: list[Busiest]
    busiest_stations: list[Busiest]
    latest_joins: list[LatestJoin]
    enterprises: int
    enterprises_with_union: int
    workers: int
    workers_covered: int

    @property
    def coverage_percent(self) -> float | None:
        """Share of the registered enterprises with an established union; None with none."""
        if not self.enterprises:
            return None
        return 100.0 * self.enterprises_with_union / self.enterprises


def _by_hour(rows: list[tuple[int, int]]) -> list[int]:
    hours = [0] * HOURS
    for hour, n in rows:
        hours[hour] = n
    return hours


def _busiest(checkins: "Q", kind: str) -> list[Busiest]:
    rows = (
        CheckIn.objects.filter(checkins, checkpoint__kind=kind)
        .values("checkpoint_id", "checkpoint__title", "checkpoint__org__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "checkpoint__title", "checkpoint_id")[:BUSIEST_SHOWN]
    )
    return [Busiest(r["checkpoint__title"], r["checkpoint__org__name"], r["n"]) for r in rows]


def hall(org: Org) -> HallFigures:
    today = timezone.localdate()
    first, after = _moments(Period(today, today))
    joined_today = (
        Tally.objects.filter(subtree_q("org__path", [org.path]))
        .filter(metric=members_metrics.JOINED, day=today)
        .aggregate(n=Sum("value", default=0))["n"]
    )
    # Applications per local hour; ExtractHour converts to the site's time zone.
    applications = dict(
        Application.objects.filter(
            subtree_q("org__path", [org.path]), submitted_at__gte=first, submitted_at__lt=after
        )
        .annotate(hour=ExtractHour("submitted_at"))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("hour", "n")
    )
    checkins = subtree_q("checkpoint__org__path", [org.path]) & Q(
        checked_in_at__gte=first, checked_in_at__lt=after
    )
    per_hour: dict[str, list[tuple[int, int]]] = {
        Checkpoint.Kind.ACTIVITY: [],
        Checkpoint.Kind.STATION: [],
    }
    for kind, hour, n in (
        CheckIn.objects.filter(checkins, checkpoint__kind__in=list(per_hour))
        .annotate(hour=ExtractHour("checked_in_at"))
        .values("checkpoint__kind", "hour")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("checkpoint__kind", "hour", "n")
    ):
        per_hour[kind].append((hour, n))
    activity_hours = _by_hour(per_hour[Checkpoint.Kind.ACTIVITY])
    station_hours = _by_hour(per_hour[Checkpoint.Kind.STATION])
    latest = (
        Member.objects.filter(subtree_q("org__path", [org.path]), joined_on=today)
        .order_by("-created_at", "-pk")
        .values_list("name", "org__name", "created_at")[:LATEST_JOINS_SHOWN]
    )
    cover = Enterprise.objects.filter(subtree_q("org__path", [org.path])).aggregate(
        enterprises=Count("pk"),
        with_union=Count("pk", filter=Q(union_established_on__lte=today)),
        workers=Sum("headcount", default=0),
        covered=Sum("headcount", filter=Q(union_established_on__lte=today), default=0),
    )
    hours_applied = _by_hour(list(applications.items()))
    return HallFigures(
        day=today,
        members=count_members_now(org),
        joined_today=joined_today,
        applications_today=sum(hours_applied),
        activity_checkins_today=sum(activity_hours),
        station_visits_today=sum(station_hours),
        applications_by_hour=hours_applied,
        activity_checkins_by_hour=activity_hours,
        station_visits_by_hour=station_hours,
        busiest_activities=_busiest(checkins, Checkpoint.Kind.ACTIVITY),
        busiest_stations=_busiest(checkins, Checkpoint.Kind.STATION),
        latest_joins=[
            LatestJoin(mask_name(name), union, timezone.localtime(at)) for name, union, at in latest
        ],
        enterprises=cover["enterprises"],
        enterprises_with_union=cover["with_union"],
        workers=cover["workers"],
        workers_covered=cover["covered"],
    )
