"""Each tile's figures, made through the real actions on the small tree (see gonghui/conftest.py),
for a subtree and a period, with the comparison to the period before."""

import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.db.models.functions import TruncMinute
from django.utils import timezone

from gonghui.accounts.roles import Role
from gonghui.checkins.actions import screen_code
from gonghui.core.periods import Period
from gonghui.dashboards import figures
from gonghui.dashboards.figures import Compared
from gonghui.enterprises.actions import (
    advance_founding_case,
    open_founding_case,
    record_existing_union,
)
from gonghui.enterprises.models import Stage
from gonghui.events import actions as events
from gonghui.members import actions as members
from gonghui.members.models import Application
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree, make_staff):
    return make_staff(tree.root, Role.FEDERATION_ADMIN)


@pytest.fixture
def around_today():
    """Yesterday to tomorrow: today's actions fall in it whatever the date."""
    today = timezone.localdate()
    return Period(today - timedelta(days=1), today + timedelta(days=1))


def _member(admin, org, joined_on=None, **fields):
    joined_on = joined_on or timezone.localdate()
    return members.import_member(actor=admin, org=org, joined_on=joined_on, **person(**fields))


def _apply(event, **fields):
    return members.submit_application(
        event=event,
        submission_key=uuid.uuid4().hex,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(**fields),
    ).application


# --- coverage --------------------------------------------------------------------------------


def test_coverage_counts_unions_established_by_the_end_of_the_period(
    tree, admin, make_enterprise, around_today
):
    old = make_enterprise(tree.zgc, headcount=300, gig_headcount=30)
    record_existing_union(
        actor=admin, enterprise=old, union=tree.sohu, established_on=date(2020, 5, 4)
    )
    new = make_enterprise(tree.zgc, headcount=120, gig_headcount=0)
    make_enterprise(tree.zgc, headcount=80)  # no union, no case
    make_enterprise(tree.hlg, headcount=1000)  # another subtree
    today = timezone.localdate()
    case = open_founding_case(actor=admin, enterprise=new, happened_on=today, responsible=admin)
    for stage in (Stage.RECRUITING, Stage.CONGRESS):
        case = advance_founding_case(
            actor=admin, case=case, to_stage=stage, happened_on=today, responsible=admin
        )
    before = figures.coverage(tree.zgc, around_today)
    assert before.with_union == Compared(1, 1)
    assert before.workers_covered == Compared(300, 300)
    assert [(s.stage, s.count) for s in before.cases_by_stage] == [
        (Stage.PREPARING, 0),
        (Stage.RECRUITING, 0),
        (Stage.CONGRESS, 1),
    ]

    advance_founding_case(
        actor=admin, case=case, to_stage=Stage.ESTABLISHED, happened_on=today, responsible=admin
    )
    after = figures.coverage(tree.zgc, around_today)
    assert after.enterprises == 3
    assert after.with_union == Compared(2, 1)
    assert after.without_union == 1
    assert after.workers == 500
    assert after.workers_covered == Compared(420, 300)
    assert after.gig_workers_covered == 30
    assert after.unions_founded == Compared(1, 0)
    assert after.with_union.percent == 100.0
    assert [s.count for s in after.cases_by_stage] == [0, 0, 0]
    # The street's subtree has its own enterprise only; the root sees both.
    assert figures.coverage(tree.hlg, around_today).enterprises == 1
    assert figures.coverage(tree.root, around_today).workers == 1500
    # A period that ended before 2020 knew no union yet.
    assert figures.coverage(tree.zgc, Period(date(2019, 1, 1), date(2019, 12, 31))).with_union == (
        Compared(0, 0)
    )


# --- recruitment -----------------------------------------------------------------------------


def test_recruitment_counts_the_periods_events_and_who_joined_through_them(
    tree, admin, make_enterprise, around_today
):
    now = timezone.now()
    # Started within today (local), so the event falls on today even just after midnight.
    today_began = timezone.make_aware(datetime.combine(timezone.localdate(), time()))
    event = members.create_recruitment_event(
        actor=admin,
        org=tree.zgc,
        enterprise=None,
        title="中关村双沟通",
        place="中关村广场",
        starts_at=max(now - timedelta(hours=1), today_began),
        ends_at=now + timedelta(hours=2),
    )
    couriers = [_apply(event, job_type="courier") for _ in range(2)]
    employee = _apply(event, job_type="employee")
    rider = _apply(event, job_type="rider")
    for application in (*couriers, employee):
        members.approve_application(actor=admin, application=application)
    members.reject_application(actor=admin, application=rider, reason="不符合条件")
    direct = members.submit_application(
        event=None,
        org=tree.hlg,
        submission_key=uuid.uuid4().hex,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(),
    ).application
    assert direct.org == tree.hlg

    tile = figures.recruitment(tree.zgc, around_today)
    assert tile.events == Compared(1, 0)
    assert tile.applications == Compared(4, 0)
    assert tile.approved == Compared(3, 0)
    assert tile.recruited == Compared(3, 0)
    assert [(row.job_type, row.count, row.is_gig) for row in tile.by_job_type] == [
        ("courier", 2, True),
        ("employee", 1, False),
    ]
    assert tile.gig_share == pytest.approx(2 / 3)
    minutes = Counter(
        Application.objects.filter(event=event)
        .annotate(minute=TruncMinute("submitted_at"))
        .values_list("minute", flat=True)
    )
    [row] = tile.funnel
    assert row.peak_per_minute == max(minutes.values())
    assert (row.id, row.applications, row.approved, row.pending, row.rejected) == (
        event.pk,
        4,
        3,
        0,
        1,
    )
    assert tile.more_events == 0
    # The root also sees the application received directly by 回龙观; 回龙观 sees only that.
    assert figures.recruitment(tree.root, around_today).applications == Compared(5, 0)
    street = figures.recruitment(tree.hlg, around_today)
    assert (street.events, street.applications, street.recruited) == (
        Compared(0, 0),
        Compared(1, 0),
        Compared(0, 0),
    )
    # The period before knew nothing of it; in it, today is the previous period.
    today = timezone.localdate()
    later = figures.recruitment(
        tree.zgc, Period(today + timedelta(days=1), today + timedelta(days=1))
    )
    assert later.events == Compared(0, 1)
    assert later.recruited == Compared(0, 3)


# --- membership ------------------------------------------------------------------------------


def test_membership_follows_joins_transfers_and_leavers(tree, admin, around_today):
    _member(admin, tree.zgc, joined_on=date(2020, 3, 1))
    moving = _member(admin, tree.zgc)
    leaving = _member(admin, tree.sohu)
    transfer = members.start_transfer(
        actor=admin, member=moving, to_org=tree.hlg, new_employer_name="顺丰速运"
    )
    members.accept_transfer(actor=admin, transfer=transfer)
    members.record_leaving(actor=admin, member=leaving, status="withdrawn", reason="本人申请")

    zgc = figures.membership(tree.zgc, around_today)
    # Three joined (one long ago), one moved to 回龙观, one left: one member now.
    assert zgc.members == Compared(1, 1)
    assert zgc.joined == Compared(2, 0)
    assert zgc.transferred_out == Compared(1, 0)
    assert zgc.transferred_in == Compared(0, 0)
    assert zgc.left == Compared(1, 0)
    assert not zgc.monthly
    assert zgc.buckets == [around_today.start + timedelta(days=n) for n in range(3)]
    assert zgc.joined_series == [0, 2, 0]
    assert zgc.left_series == [0, 1, 0]
    street = figures.membership(tree.hlg, around_today)
    assert street.members == Compared(1, 0)
    assert street.transferred_in == Compared(1, 0)
    # Within the root's subtree a transfer is in and out at once: members do not change.
    root = figures.membership(tree.root, around_today)
    assert root.members == Compared(2, 1)
    assert root.transferred_in == root.transferred_out == Compared(1, 0)


def test_members_at_the_end_of_a_past_period_leave_out_later_joins(tree, admin):
    today = timezone.localdate()
    _member(admin, tree.zgc, joined_on=today - timedelta(days=40))
    _member(admin, tree.zgc, joined_on=today)
    past = Period(today - timedelta(days=45), today - timedelta(days=30))
    tile = figures.membership(tree.zgc, past)
    assert tile.members == Compared(1, 0)
    assert tile.joined == Compared(1, 0)


def test_a_long_period_goes_by_month(tree, admin):
    today = timezone.localdate()
    _member(admin, tree.zgc, joined_on=today)
    year = Period(date(today.year, 1, 1), date(today.year, 12, 31))
    tile = figures.membership(tree.zgc, year)
    assert tile.monthly
    assert tile.buckets == [date(today.year, month, 1) for month in range(1, 13)]
    assert tile.joined_series[today.month - 1] == 1
    assert sum(tile.joined_series) == 1


# --- activities ------------------------------------------------------------------------------


def test_activities_count_registrations_and_check_ins(tree, admin, around_today):
    start = timezone.now() + timedelta(minutes=30)
    seminar = events.create_activity(
        actor=admin,
        org=tree.zgc,
        title="工匠精神研讨会",
        category="seminar",
        description="研讨",
        audience="subtree",
        audience_org=None,
        place="中关村会议中心",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
        capacity=100,
    )
    events.create_activity(
        actor=admin,
        org=tree.sohu,
        title="草稿活动",
        category="other",
        description="",
        audience="subtree",
        audience_org=None,
        place="搜狐媒体大厦",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    people = [_member(admin, tree.zgc) for _ in range(3)]
    for member in people:
        events.register_for_activity(member=member, activity=seminar)
    for member in people[:2]:
        result = events.check_in_at_activity(
            member=member, activity=seminar, code=screen_code(seminar.checkpoint)
        )
        assert result.ok, result.message

    tile = figures.activities(tree.zgc, around_today)
    assert tile.activities == Compared(1, 0)  # the draft does not count
    assert tile.registrations == Compared(3, 0)
    assert tile.checkins == Compared(2, 0)
    [largest] = tile.largest
    assert (largest.id, largest.title, largest.registered, largest.checked_in) == (
        seminar.pk,
        "工匠精神研讨会",
        3,
        2,
    )
    assert figures.activities(tree.hlg, around_today).activities == Compared(0, 0)


# --- benefits, the big screen, sub-organisations ---------------------------------------------


def test_benefits_sum_the_tallies_of_the_subtree(tree, around_today):
    today = timezone.localdate()
    tallies.count(tree.zgc.pk, "benefits.claims", 2, on=today)
    tallies.count(tree.sohu.pk, "benefits.claims", 3, on=today)
    tallies.count(tree.sohu.pk, "benefits.redemptions", 1, on=today)
    tallies.count(tree.station.pk, "checkins.station", 5, on=today)
    tallies.count(tree.station.pk, "checkins.station", 4, on=today - timedelta(days=3))
    tallies.count(tree.station.pk, "checkins.station", 7, on=today - timedelta(days=30))
    zgc = figures.benefits(tree.zgc, around_today)
    assert (zgc.claims, zgc.redemptions, zgc.station_visits) == (
        Compared(5, 0),
        Compared(1, 0),
        Compared(0, 0),
    )
    street = figures.benefits(tree.hlg, around_today)
    assert street.station_visits == Compared(5, 4)
    assert street.station_visits.percent == 25.0
    assert figures.benefits(tree.root, around_today).claims == Compared(5, 0)


def test_live_figures_are_todays(tree, admin):
    today = timezone.localdate()
    _member(admin, tree.zgc)
    _member(admin, tree.zgc, joined_on=date(today.year, 1, 1))
    tallies.count(tree.station.pk, "checkins.station", 6, on=today)
    root = figures.live(tree.root)
    assert root.day == today
    assert root.members == 2
    assert root.joined_today == 1 + (today == date(today.year, 1, 1))
    # A station visit is not an activity check-in as well (it was counted twice).
    assert (root.activity_checkins_today, root.station_visits_today) == (0, 6)
    assert root.activities_today == 0
    assert figures.live(tree.hlg).members == 0


def test_figures_by_sub_organisation_roll_up_each_childs_subtree(
    tree, admin, make_enterprise, around_today
):
    enterprise = make_enterprise(tree.zgc, headcount=300)
    record_existing_union(
        actor=admin, enterprise=enterprise, union=tree.sohu, established_on=date(2020, 5, 4)
    )
    _member(admin, tree.sohu)
    _member(admin, tree.zgc)
    _member(admin, tree.hlg)
    _member(admin, tree.root)
    tallies.count(tree.station.pk, "checkins.station", 5)
    steps: list[int] = []
    rows = {
        row.name: row
        for row in figures.children_breakdown(tree.root, around_today, on_step=steps.append)
    }
    assert list(rows) == ["北京市总工会", "海淀区总工会", "回龙观街道总工会", "德胜街道总工会"]
    assert rows["北京市总工会"].is_self
    assert rows["北京市总工会"].members == 1
    assert (rows["海淀区总工会"].members, rows["海淀区总工会"].joined) == (2, 2)
    assert rows["海淀区总工会"].enterprises_with_union == 1
    assert rows["海淀区总工会"].workers_covered == 300
    assert (rows["回龙观街道总工会"].members, rows["回龙观街道总工会"].station_visits) == (1, 5)
    assert rows["德胜街道总工会"].members == 0
    assert steps == [1, 2, 3, 4]


def test_every_tile_answers_for_an_empty_subtree(tree, around_today):
    for name, tile in figures.TILES.items():
        assert tile(tree.desheng, around_today) is not None, name
