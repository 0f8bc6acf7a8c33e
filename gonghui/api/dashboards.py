"""The dashboard's figures for an organisation's subtree and a period, one operation per tile:
`GET /dashboard/{tile}?org=&period=&start=&end=`."""

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.types import Day, Id
from gonghui.core.periods import Period, parse_period
from gonghui.dashboards import figures, queries
from gonghui.orgs.models import Org

router = Router(tags=["dashboards"])


# --- parameters and shared schemas -----------------------------------------------------------


class DashboardQuery(Schema):
    org: Id | None = Field(
        None, description="The organisation; its whole subtree is counted. Default: your own."
    )
    period: str | None = Field(
        None,
        description="this_month, last_month, this_year or custom (the default is this_year, "
        "or custom when start or end is given).",
    )
    start: Day | None = Field(None, description="First day of a custom period.")
    end: Day | None = Field(
        None, description="Last day of a custom period (inclusive; at most five years long)."
    )


class OrgRef(Schema):
    id: int
    name: str


class PeriodOut(Schema):
    start: date
    end: date
    previous_start: date = Field(description="The period of equal length just before.")
    previous_end: date


class ComparedOut(Schema):
    value: int
    previous: int = Field(description="The same figure for the previous period.")
    change: int
    percent: float | None = Field(description="Change in per cent; null when previous is 0.")


def _plain(value: Any) -> Any:
    """A tile's dataclasses as plain data, every Compared with its change."""
    if isinstance(value, figures.Compared):
        return {
            "value": value.value,
            "previous": value.previous,
            "change": value.change,
            "percent": value.percent,
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _asked(request: HttpRequest, params: DashboardQuery) -> tuple[Org, Period]:
    org = queries.get_dashboard_org(request.user, params.org)
    return org, parse_period(params.period, params.start, params.end)


def _answer(org: Org, period: Period, tile: Any) -> dict[str, Any]:
    previous = period.previous()
    return {
        "org": {"id": org.pk, "name": org.name},
        "period": {
            "start": period.start,
            "end": period.end,
            "previous_start": previous.start,
            "previous_end": previous.end,
        },
        **_plain(tile),
    }


class TileOut(Schema):
    org: OrgRef
    period: PeriodOut


# --- coverage --------------------------------------------------------------------------------


class StageOut(Schema):
    stage: int
    label: str
    count: int


class CoverageTileOut(TileOut):
    enterprises: int = Field(description="Enterprises registered in the subtree.")
    with_union: ComparedOut = Field(
        description="Enterprises whose union was established by the end of the period."
    )
    without_union: int
    workers: int
    workers_covered: ComparedOut
    gig_workers: int
    gig_workers_covered: int
    unions_founded: ComparedOut = Field(description="Unions established within the period.")
    cases_by_stage: list[StageOut] = Field(description="Founding cases under way now.")


@router.get(
    "/dashboard/coverage",
    response={200: CoverageTileOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_coverage",
)
def get_dashboard_coverage(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Union coverage of the subtree: enterprises with an established union and the workers
    they cover (at the end of the period), unions founded in it, founding cases by stage."""
    org, period = _asked(request, params)
    return _answer(org, period, figures.coverage(org, period))


# --- recruitment -----------------------------------------------------------------------------


class EventOut(Schema):
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


class JobTypeOut(Schema):
    job_type: str
    label: str
    count: int
    is_gig: bool = Field(description="A new form of employment (新就业形态).")


class RecruitmentOut(TileOut):
    events: ComparedOut = Field(description="Recruitment events that started in the period.")
    applications: ComparedOut = Field(description="Applications received, by any channel.")
    approved: ComparedOut = Field(description="Applications approved, by any channel.")
    recruited: ComparedOut = Field(
        description="Approved applications from the period's events: members joined through them."
    )
    by_job_type: list[JobTypeOut]
    gig_share: float = Field(description="Share of the recruited in new forms of employment.")
    funnel: list[EventOut] = Field(description="The period's events, newest first (at most 50).")
    more_events: int


@router.get(
    "/dashboard/recruitment",
    response={200: RecruitmentOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_recruitment",
)
def get_dashboard_recruitment(
    request: HttpRequest, params: Query[DashboardQuery]
) -> dict[str, Any]:
    """Recruitment (双沟通): events, applications, approvals, members joined through the
    events by job type, and each event's funnel with its busiest minute (peak_per_minute)."""
    org, period = _asked(request, params)
    return _answer(org, period, figures.recruitment(org, period))


# --- membership ------------------------------------------------------------------------------


class SeriesPointOut(Schema):
    start: date = Field(description="The day, or the first day of the month.")
    joined: int
    left: int
    transferred_in: int
    transferred_out: int


class MembershipOut(TileOut):
    members: ComparedOut = Field(
        description="Active members at the end of the period (now, if it has not ended)."
    )
    joined: ComparedOut
    left: ComparedOut
    transferred_in: ComparedOut
    transferred_out: ComparedOut
    monthly: bool = Field(description="Whether the series goes by month (else by day).")
    series: list[SeriesPointOut]


@router.get(
    "/dashboard/membership",
    response={200: MembershipOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_membership",
)
def get_dashboard_membership(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Members, and the joins, transfers and departures of the period, with their series."""
    org, period = _asked(request, params)
    tile = figures.membership(org, period)
    answer = _answer(org, period, tile)
    answer["series"] = [
        {
            "start": bucket,
            "joined": tile.joined_series[n],
            "left": tile.left_series[n],
            "transferred_in": tile.transferred_in_series[n],
            "transferred_out": tile.transferred_out_series[n],
        }
        for n, bucket in enumerate(tile.buckets)
    ]
    return answer


# --- activities and benefits -----------------------------------------------------------------


class ActivityFiguresOut(Schema):
    id: int
    title: str
    org: str
    category: str
    starts_at: datetime
    registered: int
    checked_in: int


class ActivitiesOut(TileOut):
    activities: ComparedOut = Field(description="Published activities held in the period.")
    registrations: ComparedOut
    checkins: ComparedOut = Field(description="Check-ins at activities.")
    largest: list[ActivityFiguresOut] = Field(description="The largest activities, by check-ins.")


@router.get(
    "/dashboard/activities",
    response={200: ActivitiesOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_activities",
)
def get_dashboard_activities(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Activities held, registrations and check-ins, and the largest activities."""
    org, period = _asked(request, params)
    return _answer(org, period, figures.activities(org, period))


class BenefitsOut(TileOut):
    claims: ComparedOut
    redemptions: ComparedOut
    station_visits: ComparedOut


@router.get(
    "/dashboard/benefits",
    response={200: BenefitsOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_benefits",
)
def get_dashboard_benefits(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Benefits claimed and redeemed by the subtree's members, and visits to its stations."""
    org, period = _asked(request, params)
    return _answer(org, period, figures.benefits(org, period))


class GoodsCountOut(Schema):
    item: str
    unit: str
    units: int


class FundMoneyOut(Schema):
    fund: str
    fen: int


class CareOut(TileOut):
    people_reached: int
    sites_served: int
    goods_delivered: list[GoodsCountOut]
    goods_handed_out: list[GoodsCountOut]
    money_by_fund: list[FundMoneyOut]
    money_total: int


@router.get(
    "/dashboard/care",
    response={200: CareOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_care",
)
def get_dashboard_care(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Care campaigns in the subtree and period, from the ledger: people reached, sites
    served, goods delivered to sites and handed out per item, money spent per fund (fen)."""
    org, period = _asked(request, params)
    care = figures.care(org, period)

    def goods(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
        return [{"item": item, "unit": unit, "units": units} for item, unit, units in rows]

    return {
        **_answer(org, period, {}),
        "people_reached": care.people_reached,
        "sites_served": care.sites_served,
        "goods_delivered": goods(care.goods_delivered),
        "goods_handed_out": goods(care.goods_handed_out),
        "money_by_fund": [{"fund": fund, "fen": fen} for fund, fen in care.money_by_fund],
        "money_total": care.money_total,
    }


class CampaignUnitOut(Schema):
    name: str
    participants: int
    completed: int


class LearningOut(TileOut):
    learners: ComparedOut = Field(description="Members who played or read a lesson.")
    lessons_completed: ComparedOut
    listening_hours: ComparedOut = Field(description="Whole hours of newly heard lessons.")
    campaign: str = Field(description="The latest study campaign running here; empty if none.")
    campaign_units: list[CampaignUnitOut]


@router.get(
    "/dashboard/learning",
    response={200: LearningOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_learning",
)
def get_dashboard_learning(request: HttpRequest, params: Query[DashboardQuery]) -> dict[str, Any]:
    """Learners, lessons completed, hours listened, and a campaign's participation by unit."""
    org, period = _asked(request, params)
    return _answer(org, period, figures.learning(org, period))


# --- today, for big screens ------------------------------------------------------------------


class LiveOut(Schema):
    org: OrgRef
    day: date
    members: int
    applications_today: int
    joined_today: int
    activity_checkins_today: int = Field(
        description="Check-ins at activities; station visits are apart."
    )
    station_visits_today: int
    activities_today: int


@router.get(
    "/dashboard/live",
    response={200: LiveOut, **ERROR_RESPONSES},
    operation_id="get_dashboard_live",
)
def get_dashboard_live(request: HttpRequest, org: Id | None = None) -> dict[str, Any]:
    """Today's figures, as the big screen shows them (no period: always today)."""
    found = queries.get_dashboard_org(request.user, org)
    return {"org": {"id": found.pk, "name": found.name}, **_plain(figures.live(found))}
