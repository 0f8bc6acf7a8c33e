"""The dashboard's figures: one function per tile, `(org, period) -> dataclass`, each exact and
each a handful of indexed queries however large the subtree behind it.

Flows (members joined, check-ins, claims …) are sums of the daily per-org tallies
(gonghui.orgs.tallies) over the subtree's path range and the days of the period; members now
are the sum of a stock kept per union the same way (orgs.tallies.STOCK_DAY); small tables
(enterprises and their unions, founding cases, recruitment events, activities) are counted
in their own tables. Callers check access first: these functions take an org the user may
see (see queries.get_dashboard_org).

Each figure is compared with the period of equal length just before (Period.previous); a
stock is compared with its value at the end of that previous period.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMinute, TruncMonth
from django.utils import timezone

from gonghui.benefits import metrics as benefits_metrics
from gonghui.care import queries as care_queries
from gonghui.checkins import metrics as checkins_metrics
from gonghui.core.periods import Period
from gonghui.core.tree import STEP, subtree_q
from gonghui.enterprises.models import Enterprise, FoundingCase, Stage
from gonghui.events.models import Activity
from gonghui.innovation import queries as innovation_queries
from gonghui.innovation.queries import UnitRow
from gonghui.learning import metrics as learning_metrics
from gonghui.learning import queries as learning_queries
from gonghui.members import metrics as members_metrics
from gonghui.members.choices import GIG_JOB_TYPES, JobType
from gonghui.members.models import Application, RecruitmentEvent
from gonghui.orgs.models import Org, Tally
from gonghui.orgs.tallies import STOCK_DAY
from gonghui.volunteers import metrics as volunteers_metrics

# How many rows a tile's table shows; the Excel export of the table has them all.
EVENTS_SHOWN = 50
LARGEST_SHOWN = 5
# Up to this many days a series goes by day, beyond it by month.
DAILY_UP_TO = 62


@dataclass(frozen=True)
class Compared:
    """A figure for the period and for the period of equal length before it."""

    value: int
    previous: int

    @property
    def change(self) -> int:
        return self.value - self.previous

    @property
    def percent(self) -> float | None:
        """The change in per cent of the previous value; None when there was nothing before."""
        if not self.previous:
            return None
        return 100.0 * self.change / self.previous


# --- shared pieces ---------------------------------------------------------------------------


def _in(org: Org, lookup: str = "org__path") -> Q:
    return subtree_q(lookup, [org.path])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _moments(period: Period) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes in the site's time zone, for DateTimeFields."""
    return _day_start(period.start), _day_start(period.end + timedelta(days=1))


def _starts_in(period: Period, field: str = "starts_at") -> Q:
    first, after = _moments(period)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def _tallies(org: Org) -> QuerySet[Tally]:
    return Tally.objects.filter(_in(org))


def tally_sums(org: Org, period: Period, metrics: list[str]) -> dict[str, Compared]:
    """Each metric summed over the subtree for the period and the one before: one query."""
    previous = period.previous()
    rows = (
        _tallies(org)
        .filter(metric__in=metrics, day__gte=previous.start, day__lte=period.end)
        .values("metric")
        .annotate(
            now=Sum("value", filter=Q(day__gte=period.start), default=0),
            before=Sum("value", filter=Q(day__lte=previous.end), default=0),
        )
    )
    found = {row["metric"]: Compared(row["now"], row["before"]) for row in rows}
    return {metric: found.get(metric, Compared(0, 0)) for metric in metrics}


def buckets_of(period: Period) -> list[date]:
    """The bars of a series: every day of a short period, else the first of every month."""
    if period.days <= DAILY_UP_TO:
        return [period.start + timedelta(days=n) for n in range(period.days)]
    months: list[date] = []
    month = period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def is_monthly(period: Period) -> bool:
    return period.days > DAILY_UP_TO


def tally_series(org: Org, period: Period, metrics: list[str]) -> dict[str, list[int]]:
    """Per metric, one value per bucket of buckets_of(period): one grouped query."""
    buckets = buckets_of(period)
    bucket: Any = TruncMonth("day") if is_monthly(period) else F("day")
    rows = (
        _tallies(org)
        .filter(metric__in=metrics, day__gte=period.start, day__lte=period.end)
        .annotate(bucket=bucket)
        .values("metric", "bucket")
        .annotate(n=Sum("value"))
    )
    position = {day: index for index, day in enumerate(buckets)}
    series = {metric: [0] * len(buckets) for metric in metrics}
    for row in rows:
        day = row["bucket"]
        if isinstance(day, datetime):  # some backends truncate to a datetime
            day = day.date()
        series[row["metric"]][position[day]] += row["n"]
    return series


# --- coverage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageCount:
    stage: int
    label: str
    count: int


@dataclass(frozen=True)
class CoverageTile:
    enterprises: int  # registered now
    with_union: Compared  # enterprises whose union was established by the end of the period
    without_union: int
    workers: int
    workers_covered: Compared
    gig_workers: int
    gig_workers_covered: int
    unions_founded: Compared  # established within the period
    cases_by_stage: list[StageCount]  # founding cases under way now

    @property
    def union_rate(self) -> float:
        return self.with_union.value / self.enterprises if self.enterprises else 0.0


def coverage(org: Org, period: Period) -> CoverageTile:
    """Enterprises with an established union and the workers they cover: one aggregate over
    the subtree's enterprises and one count of open founding cases per stage."""
    previous = period.previous()
    by_end = Q(union_established_on__lte=period.end)
    by_previous_end = Q(union_established_on__lte=previous.end)
    totals = Enterprise.objects.filter(_in(org)).aggregate(
        enterprises=Count("pk"),
        with_union=Count("pk", filter=by_end),
        with_union_before=Count("pk", filter=by_previous_end),
        workers=Sum("headcount", default=0),
        covered=Sum("headcount", filter=by_end, default=0),
        covered_before=Sum("headcount", filter=by_previous_end, default=0),
        gig=Sum("gig_headcount", default=0),
        gig_covered=Sum("gig_headcount", filter=by_end, default=0),
        founded=Count("pk", filter=by_end & Q(union_established_on__gte=period.start)),
        founded_before=Count(
            "pk", filter=by_previous_end & Q(union_established_on__gte=previous.start)
        ),
    )
    stages = dict(
        FoundingCase.objects.filter(_in(org, "enterprise__org__path"))
        .filter(stage__lt=Stage.ESTABLISHED)
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return CoverageTile(
        enterprises=totals["enterprises"],
        with_union=Compared(totals["with_union"], totals["with_union_before"]),
        without_union=totals["enterprises"] - totals["with_union"],
        workers=totals["workers"],
        workers_covered=Compared(totals["covered"], totals["covered_before"]),
        gig_workers=totals["gig"],
        gig_workers_covered=totals["gig_covered"],
        unions_founded=Compared(totals["founded"], totals["founded_before"]),
        cases_by_stage=[
            StageCount(stage, str(Stage(stage).label), stages.get(stage, 0))
            for stage in Stage.values
            if stage != Stage.ESTABLISHED
        ],
    )


# --- recruitment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One recruitment event's funnel: scans → applications → approved."""

    id: int
    title: str
    enterprise: str
    place: str
    starts_at: datetime
    scans: int
    applications: int
    approved: int
    pending: int
    rejected: int
    peak_per_minute: int


@dataclass(frozen=True)
class JobTypeCount:
    job_type: str
    label: str
    count: int
    is_gig: bool


@dataclass(frozen=True)
class RecruitmentTile:
    events: Compared  # recruitment events that started in the period
    applications: Compared  # applications received, by any channel
    approved: Compared  # applications approved, by any channel
    recruited: Compared  # approved applications from the period's events (joined through them)
    by_job_type: list[JobTypeCount]  # of those recruited
    gig_share: float  # share of the recruited in new employment forms (0..1)
    funnel: list[EventRow]  # the period's events, newest first (at most EVENTS_SHOWN)
    more_events: int  # events in the period beyond those listed

    @property
    def gig_percent(self) -> float:
        return 100 * self.gig_share


def _events(org: Org) -> QuerySet[RecruitmentEvent]:
    return RecruitmentEvent.objects.filter(_in(org))


def _peak_per_minute() -> Subquery:
    """The most applications an event received in one minute (a correlated subquery)."""
    per_minute = (
        Application.objects.filter(event=OuterRef("pk"))
        .annotate(minute=TruncMinute("submitted_at"))
        .values("minute")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values("n")[:1]
    )
    return Subquery(per_minute)


def _per_event(status: str | None = None) -> Coalesce:
    """How many applications (of one status) an event received: a correlated count that an
    index on (event, status) answers without reading the applications themselves."""
    applications = Application.objects.filter(event=OuterRef("pk"))
    if status is not None:
        applications = applications.filter(status=status)
    # count(*), not count(id): the (event, status) index alone answers it.
    counted = applications.order_by().values("event").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def event_rows(org: Org, period: Period, *, limit: int | None) -> list[EventRow]:
    """The funnel of each event of the subtree that started in the period, newest first: one
    query, each figure a per-event lookup (no personal data is read)."""
    events = (
        _events(org)
        .filter(_starts_in(period))
        .order_by("-starts_at", "-pk")
        .values("pk", "title", "enterprise__name", "place", "starts_at", "scans")
        .annotate(
            received=_per_event(),
            approved=_per_event(Application.Status.APPROVED),
            pending=_per_event(Application.Status.PENDING),
            rejected=_per_event(Application.Status.REJECTED),
            peak=Coalesce(_peak_per_minute(), 0),
        )
    )
    return [
        EventRow(
            id=row["pk"],
            title=row["title"],
            enterprise=row["enterprise__name"] or "",
            place=row["place"],
            starts_at=row["starts_at"],
            scans=row["scans"],
            applications=row["received"],
            approved=row["approved"],
            pending=row["pending"],
            rejected=row["rejected"],
            peak_per_minute=row["peak"],
        )
        for row in (events[:limit] if limit is not None else events)
    ]


def _recruited_sums(org: Org, period: Period) -> dict[str, Compared]:
    """Members recruited through the subtree's events that started in the period and the
    period before, per job type: sums of the `recruited.<job type>` tallies, kept by approval
    at the event's union on the day the event starts."""
    return tally_sums(
        org, period, [members_metrics.recruited(job_type) for job_type in JobType.values]
    )


def _job_type_rows(sums: dict[str, Compared]) -> list[JobTypeCount]:
    labels = dict(JobType.choices)
    counts = {
        metric.removeprefix(members_metrics.RECRUITED_PREFIX): compared.value
        for metric, compared in sums.items()
    }
    return [
        JobTypeCount(job_type, str(labels[job_type]), n, job_type in GIG_JOB_TYPES)
        for job_type, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if n
    ]


def job_type_counts(org: Org, period: Period) -> list[JobTypeCount]:
    """Members recruited through the period's events, by job type, most first."""
    return _job_type_rows(_recruited_sums(org, period))


def recruitment(org: Org, period: Period) -> RecruitmentTile:
    previous = period.previous()
    now, before = _starts_in(period), _starts_in(previous)
    events = _events(org).aggregate(now=Count("pk", filter=now), before=Count("pk", filter=before))
    sums = tally_sums(org, period, [members_metrics.SUBMITTED, members_metrics.APPROVED])
    recruited = _recruited_sums(org, period)
    by_job_type = _job_type_rows(recruited)
    total = sum(row.count for row in by_job_type)
    gig = sum(row.count for row in by_job_type if row.is_gig)
    funnel = event_rows(org, period, limit=EVENTS_SHOWN)
    return RecruitmentTile(
        events=Compared(events["now"], events["before"]),
        applications=sums[members_metrics.SUBMITTED],
        approved=sums[members_metrics.APPROVED],
        recruited=Compared(total, sum(c.previous for c in recruited.values())),
        by_job_type=by_job_type,
        gig_share=gig / total if total else 0.0,
        funnel=funnel,
        more_events=max(events["now"] - len(funnel), 0),
    )


# --- membership ------------------------------------------------------------------------------

NET_METRICS = {
    members_metrics.JOINED: 1,
    members_metrics.TRANSFERRED_IN: 1,
    members_metrics.LEFT: -1,
    members_metrics.TRANSFERRED_OUT: -1,
}


@dataclass(frozen=True)
class MembershipTile:
    members: Compared  # active members at the end of the period (now, if it has not ended)
    joined: Compared
    left: Compared
    transferred_in: Compared
    transferred_out: Compared
    buckets: list[date]  # days, or first days of months (monthly)
    monthly: bool
    joined_series: list[int]
    left_series: list[int]
    transferred_in_series: list[int]
    transferred_out_series: list[int]


def count_members_now(org: Org) -> int:
    """Active members of the subtree now: the sum of its unions' active-member stocks (one
    tally row per union, kept by the actions that start and end memberships), not a count of
    the members themselves."""
    total: int = (
        _tallies(org)
        .filter(metric=members_metrics.ACTIVE, day=STOCK_DAY)
        .aggregate(n=Sum("value", default=0))["n"]
    )
    return total


def membership(org: Org, period: Period) -> MembershipTile:
    """Members now (one count) and, from the tallies, the flows of the period; the members at
    an earlier date are those of today less what joined, left and moved since."""
    today = timezone.localdate()
    previous = period.previous()
    metrics = list(NET_METRICS)
    rows = (
        _tallies(org)
        .filter(metric__in=metrics, day__gte=previous.start)
        .values("metric")
        .annotate(
            now=Sum("value", filter=Q(day__gte=period.start, day__lte=period.end), default=0),
            before=Sum("value", filter=Q(day__lte=previous.end), default=0),
            after_end=Sum("value", filter=Q(day__gt=period.end, day__lte=today), default=0),
            since_start=Sum("value", filter=Q(day__gte=period.start, day__lte=today), default=0),
        )
    )
    found: dict[str, Mapping[str, Any]] = {row["metric"]: row for row in rows}

    def net(column: str) -> int:
        return sum(sign * found.get(m, {}).get(column, 0) for m, sign in NET_METRICS.items())

    def compared(metric: str) -> Compared:
        row: Mapping[str, Any] = found.get(metric, {})
        return Compared(row.get("now", 0), row.get("before", 0))

    members_now = count_members_now(org)
    series = tally_series(org, period, metrics)
    return MembershipTile(
        members=Compared(members_now - net("after_end"), members_now - net("since_start")),
        joined=compared(members_metrics.JOINED),
        left=compared(members_metrics.LEFT),
        transferred_in=compared(members_metrics.TRANSFERRED_IN),
        transferred_out=compared(members_metrics.TRANSFERRED_OUT),
        buckets=buckets_of(period),
        monthly=is_monthly(period),
        joined_series=series[members_metrics.JOINED],
        left_series=series[members_metrics.LEFT],
        transferred_in_series=series[members_metrics.TRANSFERRED_IN],
        transferred_out_series=series[members_metrics.TRANSFERRED_OUT],
    )


# --- activities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    id: int
    title: str
    org: str
    category: str
    starts_at: datetime
    registered: int  # confirmed places
    checked_in: int


@dataclass(frozen=True)
class ActivitiesTile:
    activities: Compared  # published activities held (under way) in the period
    registrations: Compared
    checkins: Compared  # check-ins at activities (participants)
    largest: list[ActivityRow]  # by check-ins, most first


def _activities(org: Org) -> QuerySet[Activity]:
    return Activity.objects.filter(_in(org), status=Activity.Status.PUBLISHED)


def _held_in(period: Period) -> Q:
    """Activities under way at some time of the period (as the activities list filters)."""
    first, after = _moments(period)
    return Q(starts_at__lt=after, ends_at__gte=first)


def held_activities(org: Org, period: Period, *, largest_first: bool) -> QuerySet[Any]:
    """The published activities of the subtree held in the period, as rows of values: the
    largest (most check-ins) first, or in the order they start."""
    activities = _activities(org).filter(_held_in(period))
    if largest_first:
        activities = activities.order_by(
            "-checkpoint__checked_in", "-checkpoint__confirmed_places", "-starts_at", "pk"
        )
    else:
        activities = activities.order_by("starts_at", "pk")
    return activities.values(
        "pk",
        "title",
        "org__name",
        "category",
        "starts_at",
        "checkpoint__confirmed_places",
        "checkpoint__checked_in",
    )


def activity_row(values: dict[str, Any]) -> ActivityRow:
    return ActivityRow(
        values["pk"],
        values["title"],
        values["org__name"],
        values["category"],
        values["starts_at"],
        values["checkpoint__confirmed_places"],
        values["checkpoint__checked_in"],
    )


def activity_rows(
    org: Org, period: Period, *, limit: int | None, largest_first: bool
) -> list[ActivityRow]:
    rows = held_activities(org, period, largest_first=largest_first)
    return [activity_row(values) for values in (rows[:limit] if limit is not None else rows)]


def activities(org: Org, period: Period) -> ActivitiesTile:
    counts = _activities(org).aggregate(
        now=Count("pk", filter=_held_in(period)),
        before=Count("pk", filter=_held_in(period.previous())),
    )
    sums = tally_sums(
        org, period, [checkins_metrics.REGISTRATIONS, checkins_metrics.ACTIVITY_CHECKINS]
    )
    return ActivitiesTile(
        activities=Compared(counts["now"], counts["before"]),
        registrations=sums[checkins_metrics.REGISTRATIONS],
        checkins=sums[checkins_metrics.ACTIVITY_CHECKINS],
        largest=activity_rows(org, period, limit=LARGEST_SHOWN, largest_first=True),
    )


# --- benefits and stations -------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitsTile:
    claims: Compared
    redemptions: Compared
    station_visits: Compared


def benefits(org: Org, period: Period) -> BenefitsTile:
    sums = tally_sums(
        org,
        period,
        [benefits_metrics.CLAIMS, benefits_metrics.REDEMPTIONS, checkins_metrics.STATION_CHECKINS],
    )
    return BenefitsTile(
        claims=sums[benefits_metrics.CLAIMS],
        redemptions=sums[benefits_metrics.REDEMPTIONS],
        station_visits=sums[checkins_metrics.STATION_CHECKINS],
    )


# --- volunteer service -----------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteersTile:
    sign_ups: Compared  # places taken on shifts
    reported: Compared  # reports for duty (shift check-ins)
    hours: Compared  # certified service hours, whole hours (minutes are kept exactly)


def volunteer_service(org: Org, period: Period) -> VolunteersTile:
    metrics = [
        volunteers_metrics.SIGN_UPS,
        checkins_metrics.SHIFT_CHECKINS,
        volunteers_metrics.MINUTES,
    ]
    sums = tally_sums(org, period, metrics)
    minutes = sums[volunteers_metrics.MINUTES]
    return VolunteersTile(
        sign_ups=sums[volunteers_metrics.SIGN_UPS],
        reported=sums[checkins_metrics.SHIFT_CHECKINS],
        hours=Compared(minutes.value // 60, minutes.previous // 60),
    )


def care(org: Org, period: Period) -> care_queries.CareFigures:
    """People reached, sites served, goods delivered and handed out, money by fund source:
    read from the ledger's postings of the subtree and period (not from tallies: the ledger
    is already the exact record, one posting a movement)."""
    return care_queries.figures(org, period.start, period.end)


# --- learning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignUnit:
    name: str
    participants: int
    completed: int


@dataclass(frozen=True)
class LearningTile:
    learners: Compared  # different members who played or read anything
    lessons_completed: Compared
    listening_hours: Compared  # whole hours of newly heard lesson time
    campaign: str  # the latest campaign running here in the period, "" for none
    campaign_units: list[CampaignUnit]


def learning(org: Org, period: Period) -> LearningTile:
    sums = tally_sums(org, period, [learning_metrics.COMPLETIONS, learning_metrics.LISTENED_MS])
    listened = sums[learning_metrics.LISTENED_MS]
    previous = period.previous()
    campaign = learning_queries.campaign_running_at(org, period)
    units: list[CampaignUnit] = []
    if campaign is not None:
        table = learning_queries.participation_by_unit(campaign, org, period)
        units = [
            CampaignUnit(row.name, row.participants, row.completed)
            for row in table.rows
            if not row.is_self or row.participants
        ]
    return LearningTile(
        learners=Compared(
            learning_queries.count_learners(org, *period.moments()),
            learning_queries.count_learners(org, *previous.moments()),
        ),
        lessons_completed=sums[learning_metrics.COMPLETIONS],
        listening_hours=Compared(
            round(listened.value / 3_600_000), round(listened.previous / 3_600_000)
        ),
        campaign=campaign.title if campaign is not None else "",
        campaign_units=units,
    )


@dataclass(frozen=True)
class InnovationTile:
    entries: int  # submitted in the period from the subtree's unions
    by_unit: list[UnitRow]  # by unit and category
    assignments: int  # review progress of the calls run in the subtree (now)
    scored: int


def innovation(org: Org, period: Period) -> InnovationTile:
    start, end = _moments(period)
    rows = innovation_queries.entries_by_unit_and_category(org.path, start=start, end=end)
    progress = innovation_queries.review_progress(org.path)
    return InnovationTile(
        entries=sum(row.entries for row in rows),
        by_unit=rows,
        assignments=progress.assignments,
        scored=progress.scored,
    )


# --- the big screen --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveFigures:
    """Today's figures for the big screen (the period is ignored: it is always today)."""

    day: date
    members: int
    applications_today: int
    joined_today: int
    # Apart, never summed: a station visit is a check-in too, and a "check-ins" figure that
    # included visits beside a "station visits" one counted each visit twice.
    activity_checkins_today: int
    station_visits_today: int
    activities_today: int  # published activities under way today


def live(org: Org, period: Period | None = None) -> LiveFigures:
    today = timezone.localdate()
    metrics = [
        members_metrics.SUBMITTED,
        members_metrics.JOINED,
        checkins_metrics.ACTIVITY_CHECKINS,
        checkins_metrics.STATION_CHECKINS,
    ]
    found = dict(
        _tallies(org)
        .filter(metric__in=metrics, day=today)
        .values("metric")
        .annotate(n=Sum("value"))
        .values_list("metric", "n")
    )
    return LiveFigures(
        day=today,
        members=count_members_now(org),
        applications_today=found.get(members_metrics.SUBMITTED, 0),
        joined_today=found.get(members_metrics.JOINED, 0),
        activity_checkins_today=found.get(checkins_metrics.ACTIVITY_CHECKINS, 0),
        station_visits_today=found.get(checkins_metrics.STATION_CHECKINS, 0),
        activities_today=_activities(org).filter(_held_in(Period(today, today))).count(),
    )


# --- figures per sub-organisation (a table for the Excel export) -----------------------------


@dataclass
class ChildRow:
    org_id: int
    name: str
    kind: str
    is_self: bool  # figures recorded at the org itself, not below it
    enterprises_with_union: int = 0
    workers_covered: int = 0
    members: int = 0
    joined: int = 0
    left: int = 0
    applications: int = 0
    approved: int = 0
    activities: int = 0
    activity_checkins: int = 0
    station_visits: int = 0
    claims: int = 0
    redemptions: int = 0


BREAKDOWN_TALLIES = {
    members_metrics.JOINED: "joined",
    members_metrics.LEFT: "left",
    members_metrics.SUBMITTED: "applications",
    members_metrics.APPROVED: "approved",
    checkins_metrics.ACTIVITY_CHECKINS: "activity_checkins",
    checkins_metrics.STATION_CHECKINS: "station_visits",
    benefits_metrics.CLAIMS: "claims",
    benefits_metrics.REDEMPTIONS: "redemptions",
}


def children_breakdown(
    org: Org, period: Period, *, on_step: Callable[[int], None] | None = None
) -> list[ChildRow]:
    """The period's figures for each child of `org` (its whole subtree), plus a row for what
    is recorded at `org` itself: grouped per org in a few queries, then rolled up by path."""
    step = on_step or (lambda _n: None)
    rows: dict[str, ChildRow] = {
        org.path: ChildRow(org.pk, org.name, org.kind, is_self=True),
    }
    for child in Org.objects.filter(parent=org).order_by("path"):
        rows[child.path] = ChildRow(child.pk, child.name, child.kind, is_self=False)
    paths = dict(Org.objects.filter(_in(org, "path")).values_list("pk", "path"))
    width = len(org.path) + STEP

    def row_of(org_id: int) -> ChildRow:
        path = paths[org_id]
        return rows[path[:width] if len(path) > len(org.path) else org.path]

    by_end = Q(union_established_on__lte=period.end)
    found: Mapping[str, Any]
    for found in (
        Enterprise.objects.filter(_in(org))
        .values("org")
        .annotate(n=Count("pk", filter=by_end), workers=Sum("headcount", filter=by_end))
        .order_by()
    ):
        row = row_of(found["org"])
        row.enterprises_with_union += found["n"]
        row.workers_covered += found["workers"] or 0
    step(1)
    stocks = _tallies(org).filter(metric=members_metrics.ACTIVE, day=STOCK_DAY)
    for found in stocks.values("org").annotate(n=Sum("value")).order_by():
        row_of(found["org"]).members += found["n"]
    step(2)
    for found in (
        _tallies(org)
        .filter(metric__in=list(BREAKDOWN_TALLIES), day__gte=period.start, day__lte=period.end)
        .values("org", "metric")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        row = row_of(found["org"])
        field = BREAKDOWN_TALLIES[found["metric"]]
        setattr(row, field, getattr(row, field) + found["n"])
    step(3)
    held = _activities(org).filter(_held_in(period))
    for found in held.values("org").annotate(n=Count("pk")).order_by():
        row_of(found["org"]).activities += found["n"]
    step(4)
    return list(rows.values())


# The tiles, by the name the page, the API and the benchmark use.
Tile = Callable[[Org, Period], Any]
TILES: dict[str, Tile] = {
    "coverage": coverage,
    "recruitment": recruitment,
    "membership": membership,
    "activities": activities,
    "benefits": benefits,
    "volunteers": volunteer_service,
    "care": care,
    "learning": learning,
    "innovation": innovation,
    "live": live,
}
