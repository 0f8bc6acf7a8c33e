"""The daily tallies the actions keep equal what a rebuild counts from the rows, exactly, after
a realistic run of joining, review, transfers, leaving, roster imports, registrations and
check-ins (by screen, by card and by offline batch, on both sides of local midnight).

Runs on SQLite and, with GONGHUI_DATABASE_URL, on PostgreSQL (where the roster goes in by COPY).
"""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint
from gonghui.core.errors import DomainError
from gonghui.dashboards import figures, tallies
from gonghui.events import actions as events
from gonghui.members import actions as members
from gonghui.members import cards
from gonghui.members.models import Member
from gonghui.members.tests.factories import person
from gonghui.orgs.models import Tally
from gonghui.orgs.tallies import STOCK_DAY

pytestmark = pytest.mark.django_db


def card_of(member: Member) -> str:
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


def midnight_before(day: date) -> datetime:
    """The first moment of `day` in Beijing (the site's TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time()))


@pytest.fixture
def event(tree, operator):
    now = timezone.now()
    # Started within today (local), so its start day is today even just after midnight.
    starts_at = max(now - timedelta(hours=1), midnight_before(timezone.localdate()))
    return members.create_recruitment_event(
        actor=operator,
        org=tree.zgc,
        enterprise=None,
        title="中关村双沟通",
        place="创业大街",
        starts_at=starts_at,
        ends_at=now + timedelta(hours=3),
    )


def apply(event, key: str, **fields):
    return members.submit_application(
        event=event,
        submission_key=key,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **(fields or person()),
    ).application


def roster(*joined: date) -> list[dict[str, Any]]:
    return [{**members.clean_person(person()), "joined_on": day} for day in joined]


def run_the_story(tree, operator, event, make_staff):
    """Everything that moves a figure, through the real actions. Returns today's date."""
    today = timezone.localdate()
    # Joining: six applications at 中关村; one approved alone, three in bulk, one rejected.
    people = [person() for _ in range(6)]
    applications = [apply(event, f"key-{i}", **p) for i, p in enumerate(people)]
    first = members.approve_application(actor=operator, application=applications[0])
    bulk = members.approve_applications(actor=operator, applications=applications[1:4])
    assert len(bulk["approved"]) == 3
    members.reject_application(actor=operator, application=applications[4], reason="重复")
    # One member recorded by hand at 回龙观, a roster at 德胜 over two join days.
    members.import_member(actor=operator, org=tree.hlg, joined_on=date(2025, 5, 1), **person())
    assert (
        members.record_roster_members(
            actor=operator,
            org=tree.desheng,
            people=roster(*[date(2024, 1, 1)] * 3, date(2024, 6, 30)),
        )
        == 4
    )
    # A transfer from 中关村 to 回龙观 accepted, another declined.
    moved = members.start_transfer(
        actor=operator, member=first, to_org=tree.hlg, new_employer_name="顺丰速运"
    )
    members.accept_transfer(actor=operator, transfer=moved)
    declined = members.start_transfer(
        actor=operator, member=bulk["approved"][0], to_org=tree.desheng, new_employer_name="京东"
    )
    members.decline_transfer(actor=operator, transfer=declined, reason="不在本街道工作")
    # Leaving: one withdraws today and comes back through a new application; a roster member
    # lapsed last year.
    leaver = bulk["approved"][1]
    members.record_leaving(actor=operator, member=leaver, status="withdrawn", reason="离职")
    comeback = apply(event, "key-back", **people[2])
    assert members.approve_application(actor=operator, application=comeback).pk == leaver.pk
    lapsed = Member.objects.filter(org=tree.desheng).order_by("number")[0]
    members.record_leaving(
        actor=operator, member=lapsed, status="lapsed", reason="欠缴", left_on=date(2024, 12, 31)
    )

    # An activity at 中关村: registrations, check-in by screen, card and offline batch.
    # Every moment below stays within today (local), even just after midnight.
    today_began = midnight_before(timezone.localdate())
    start = max(timezone.now() - timedelta(minutes=30), today_began)
    activity = events.create_activity(
        actor=operator,
        org=tree.zgc,
        title="职工运动会",
        category="contest",
        description="",
        audience="members",
        audience_org=None,
        place="海淀体育馆",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
        capacity=2,
        allows_walk_ins=True,
    )
    zgc = list(Member.objects.filter(org=tree.zgc, status="active").order_by("number"))
    for member in zgc:  # three: two confirmed, one on the waiting list
        events.register_for_activity(member=member, activity=activity)
    at = timezone.now()
    code = checkins.screen_code(activity.checkpoint, at=at)
    assert checkins.check_in_by_screen(
        member=zgc[0], checkpoint=activity.checkpoint, code=code, at=at
    ).ok
    clerk = make_staff(tree.zgc, "operator")
    assert events.scan_card(actor=clerk, activity=activity, card_code=card_of(zgc[1])).ok
    batch = [  # b2 is zgc[0], already in by the screen code
        checkins.BatchItem("b1", card_of(zgc[2]), max(at - timedelta(minutes=5), today_began)),
        checkins.BatchItem("b2", card_of(zgc[0]), max(at - timedelta(minutes=4), today_began)),
    ]
    answers = events.upload_scans(actor=clerk, activity=activity, device="pad", items=batch)
    assert [a["code"] for a in answers] == ["checked_in", "already_checked_in"]

    # A station at 回龙观 open around the clock: scans on both sides of midnight in Beijing,
    # by card and in a batch sent the next morning.
    station = Checkpoint.objects.create(
        org=tree.station, kind="station", title="龙泽园驿站", requires_registration=False
    )
    visitors = [
        members.import_member(actor=operator, org=tree.hlg, joined_on=today, **person())
        for _ in range(4)
    ]
    midnight = midnight_before(today - timedelta(days=9))
    late, early = midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)
    station_clerk = make_staff(tree.hlg, "operator")
    for member, moment in zip(visitors[:2], [late, early], strict=True):
        result = checkins.check_in_by_card(
            actor=station_clerk, checkpoint=station, card_code=card_of(member), at=moment
        )
        assert result.ok
    items = [
        checkins.BatchItem("s1", card_of(visitors[2]), late - timedelta(minutes=1)),
        checkins.BatchItem("s2", card_of(visitors[3]), early + timedelta(minutes=1)),
    ]
    answers = checkins.upload_batch(
        actor=station_clerk, checkpoint=station, device="p", items=items
    )
    assert [a["code"] for a in answers] == ["checked_in", "checked_in"]
    return today, activity


def test_incremental_tallies_equal_the_rebuilt_ones(tree, operator, event, make_staff):
    today, activity = run_the_story(tree, operator, event, make_staff)
    # The activity is handed over to 搜狐's union: its figures move with it.
    events.update_activity(
        actor=operator,
        activity=activity,
        expected_version=activity.version,
        org=tree.sohu,
        title=activity.title,
        category=activity.category,
        description="",
        audience="members",
        audience_org=None,
        place=activity.place,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )

    kept = tallies.stored()
    assert tallies.verify() == []
    zgc, hlg, desheng = tree.zgc.pk, tree.hlg.pk, tree.desheng.pk
    day = today - timedelta(days=10)
    expected = {
        (zgc, today, "applications.submitted"): 7,
        (zgc, today, "applications.approved"): 5,
        # four new members and one rejoining; the transfer is not a join
        (zgc, today, "members.joined"): 5,
        (zgc, today, "members.left"): 1,
        (zgc, today, "members.transferred_out"): 1,
        (hlg, today, "members.transferred_in"): 1,
        (hlg, date(2025, 5, 1), "members.joined"): 1,
        (hlg, today, "members.joined"): 4,
        (desheng, date(2024, 1, 1), "members.joined"): 3,
        (desheng, date(2024, 6, 30), "members.joined"): 1,
        (desheng, date(2024, 12, 31), "members.left"): 1,
        (tree.sohu.pk, today, "activities.registrations"): 3,
        (tree.sohu.pk, today, "checkins.activity"): 3,
        (tree.station.pk, day, "checkins.station"): 2,
        (tree.station.pk, day + timedelta(days=1), "checkins.station"): 2,
        # the five approved through the event, at the event's union on the day it starts
        (zgc, today, "recruited.rider"): 5,
        # active members now: 4 approved - 1 moved away - 1 left + 1 back; 1 recorded + 1
        # moved in + 4 visitors; a roster of 4 less the lapsed one
        (zgc, STOCK_DAY, "members.active"): 3,
        (hlg, STOCK_DAY, "members.active"): 6,
        (desheng, STOCK_DAY, "members.active"): 3,
    }
    assert kept == expected
    assert active_per_org() == {
        org_id: n for (org_id, _day, metric), n in kept.items() if metric == "members.active"
    }

    Tally.objects.all().delete()
    totals = tallies.rebuild()
    assert tallies.stored() == kept
    assert totals["members.joined"] == 14
    assert totals["checkins.station"] == 4
    assert totals["checkins.shift"] == 0


def active_per_org() -> dict[int, int]:
    """The active members of each union, counted from the members themselves."""
    rows = Member.objects.filter(status="active").values("org").annotate(n=Count("pk"))
    return {row["org"]: row["n"] for row in rows.order_by()}


def test_active_members_stock_follows_every_change_of_membership(tree, operator, event):
    """Each action that starts or ends a membership moves its union's stock of active members
    in its own transaction: after every step it equals the members counted, and the
    dashboard's members now is its sum over the subtree."""

    def stock() -> dict[int, int]:
        found = tallies.stored(["members.active"])
        return {org_id: n for (org_id, _day, _metric), n in found.items()}

    a = members.approve_application(actor=operator, application=apply(event, "a"))
    assert stock() == active_per_org() == {tree.zgc.pk: 1}
    members.import_member(actor=operator, org=tree.hlg, joined_on=date(2025, 5, 1), **person())
    members.record_roster_members(
        actor=operator, org=tree.desheng, people=roster(date(2024, 1, 1), date(2024, 2, 1))
    )
    assert stock() == active_per_org() == {tree.zgc.pk: 1, tree.hlg.pk: 1, tree.desheng.pk: 2}
    there = members.start_transfer(
        actor=operator, member=a, to_org=tree.hlg, new_employer_name="顺丰速运"
    )
    a = members.accept_transfer(actor=operator, transfer=there)
    assert stock() == active_per_org() == {tree.hlg.pk: 2, tree.desheng.pk: 2}
    back = members.start_transfer(
        actor=operator, member=a, to_org=tree.zgc, new_employer_name="美团"
    )
    a = members.accept_transfer(actor=operator, transfer=back)
    members.record_leaving(actor=operator, member=a, status="withdrawn", reason="离职")
    assert stock() == active_per_org() == {tree.hlg.pk: 1, tree.desheng.pk: 2}
    with pytest.raises(DomainError):  # a refused action moves nothing
        members.record_leaving(actor=operator, member=a, status="lapsed", reason="又一次")
    comeback = apply(event, "b", **a_person(a))
    assert members.approve_application(actor=operator, application=comeback).pk == a.pk
    assert stock() == active_per_org() == {tree.zgc.pk: 1, tree.hlg.pk: 1, tree.desheng.pk: 2}
    assert figures.count_members_now(tree.root) == 4
    assert figures.count_members_now(tree.zgc) == 1
    assert tallies.verify(["members.active"]) == []


def a_person(member: Member) -> dict[str, Any]:
    """The applicant fields of an existing member (a former member applying again)."""
    fields = person()
    fields.update(name=member.name, id_number=str(member.id_number), mobile=str(member.mobile))
    return fields


def test_a_day_is_the_local_day_in_beijing(tree, operator, make_staff):
    """16:30 UTC on 1 March is 00:30 on 2 March in Beijing: the check-in counts on the 2nd,
    in the action's upsert and in the rebuild's SQL alike."""
    station = Checkpoint.objects.create(
        org=tree.station, kind="station", title="驿站", requires_registration=False
    )
    member = members.import_member(
        actor=operator, org=tree.hlg, joined_on=date(2026, 1, 1), **person()
    )
    clerk = make_staff(tree.hlg, "operator")
    moment = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert checkins.check_in_by_card(
        actor=clerk, checkpoint=station, card_code=card_of(member), at=moment
    ).ok
    assert tallies.stored(["checkins.station"]) == {
        (tree.station.pk, date(2026, 3, 2), "checkins.station"): 1
    }
    assert tallies.counted(["checkins.station"]) == tallies.stored(["checkins.station"])


def test_verify_finds_a_drift_and_the_command_repairs_it(tree, operator, event, english):
    application = apply(event, "k1")
    members.approve_application(actor=operator, application=application)
    today = timezone.localdate()
    Tally.objects.filter(metric="members.joined").update(value=5)
    Tally.objects.create(org=tree.hlg, day=today, metric="checkins.activity", value=2)

    differences = tallies.verify()
    assert [(d.org_id, d.metric, d.stored, d.counted) for d in differences] == [
        (tree.zgc.pk, "members.joined", 5, 1),
        (tree.hlg.pk, "checkins.activity", 2, 0),
    ]
    out = StringIO()
    with pytest.raises(CommandError, match="2 tallies differ from the rows"):
        call_command("rebuild_tallies", "--check", stdout=out)
    assert f"members.joined org {tree.zgc.pk} {today}: stored 5, rows say 1" in out.getvalue()

    out = StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "members.joined" in out.getvalue()
    assert "Tallies rebuilt" in out.getvalue()
    out = StringIO()
    call_command("rebuild_tallies", "--check", stdout=out)
    assert "Tallies are exact" in out.getvalue()
    assert tallies.stored()[(tree.zgc.pk, today, "members.joined")] == 1


def test_rebuilding_one_metric_leaves_the_others_alone(tree, operator, event):
    members.approve_application(actor=operator, application=apply(event, "k1"))
    today = timezone.localdate()
    Tally.objects.filter(metric="applications.submitted").update(value=9)
    Tally.objects.create(org=tree.zgc, day=today, metric="benefits.views", value=4)
    assert tallies.rebuild(["members.joined"]) == {"members.joined": 1}
    stored = dict(Tally.objects.values_list("metric", "value").filter(org=tree.zgc, day=today))
    assert stored["applications.submitted"] == 9  # not asked for: untouched
    assert stored["benefits.views"] == 4
    with pytest.raises(ValueError, match="no source rows known"):
        tallies.rebuild(["members.vanished"])


def test_benefit_views_claims_and_redemptions_rebuild_exactly(tree, operator):
    from gonghui.benefits import actions as benefits
    from gonghui.benefits import claiming, redeeming
    from gonghui.benefits.tests.factories import (
        make_account,
        make_member,
        make_offer,
        make_provider,
        make_service,
    )

    provider = make_provider(operator, tree.zgc)
    service = make_service(operator, provider)
    offer = make_offer(operator, service)
    account = make_account(operator, provider)
    benefits.record_view(service=service)
    benefits.record_view(service=service, at=timezone.now() - timedelta(days=3))
    claims = [
        claiming.claim_offer(member=make_member(operator, org), offer=offer)
        for org in (tree.sohu, tree.sohu, tree.hlg)
    ]
    assert redeeming.redeem_code(account=account, code=claiming.code_of(claims[0])).ok

    kept = tallies.stored(["benefits.views", "benefits.claims", "benefits.redemptions"])
    today = timezone.localdate()
    assert kept == {
        (tree.zgc.pk, today, "benefits.views"): 1,
        (tree.zgc.pk, today - timedelta(days=3), "benefits.views"): 1,
        (tree.sohu.pk, today, "benefits.claims"): 2,
        (tree.hlg.pk, today, "benefits.claims"): 1,
        (tree.sohu.pk, today, "benefits.redemptions"): 1,
    }
    assert tallies.verify() == []
    Tally.objects.all().delete()
    tallies.rebuild()
    assert tallies.stored(["benefits.views", "benefits.claims", "benefits.redemptions"]) == kept


def test_the_demo_data_comes_with_exact_tallies():
    """The demo loaders write in bulk, past the actions; load_demo counts them at the end."""
    from django.db.models import Sum

    from gonghui.demo.load import load_demo
    from gonghui.members.models import Application

    load_demo()
    assert tallies.verify() == []
    submitted = Tally.objects.filter(metric="applications.submitted").aggregate(n=Sum("value"))
    assert submitted["n"] == Application.objects.count() > 5_000


def test_handing_a_station_a_service_and_an_activity_over_moves_their_tallies(
    tree, operator, make_staff
):
    """Each counts at its own org (visits, views, registrations and check-ins); handed to
    another org, its figures so far go along, day by day, and `rebuild_tallies --check`
    finds nothing."""
    from gonghui.benefits import actions as benefits
    from gonghui.benefits.models import Service
    from gonghui.benefits.tests.factories import make_provider, make_service
    from gonghui.stations import actions as stations
    from gonghui.stations import codes as station_codes

    today = timezone.localdate()
    yesterday = timezone.now() - timedelta(days=1)
    details = stations.StationDetails(
        name="龙泽园驿站",
        district="昌平区",
        street="回龙观",
        address="龙泽园小区西门",
        all_day=True,
    )
    station = stations.create_station(actor=operator, org=tree.hlg, details=details)
    visitors = [
        members.import_member(actor=operator, org=tree.hlg, joined_on=today, **person())
        for _ in range(2)
    ]
    poster = station_codes.poster_code(station)
    for visitor in visitors:
        assert stations.record_visit(member=visitor, code=poster).ok
    assert stations.record_visit(member=visitors[0], code=poster, at=yesterday).ok

    service = make_service(operator, make_provider(operator, tree.zgc))
    benefits.record_view(service=service)
    benefits.record_view(service=service, at=yesterday)
    benefits.record_view(service=service, at=yesterday)

    start = timezone.now() - timedelta(minutes=30)
    activity = events.create_activity(
        actor=operator,
        org=tree.zgc,
        title="工匠精神研讨会",
        category="seminar",
        description="",
        audience="members",
        audience_org=None,
        place="中关村会议中心",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
    )
    attendee = members.import_member(actor=operator, org=tree.sohu, joined_on=today, **person())
    events.register_for_activity(member=attendee, activity=activity)
    screen = checkins.screen_code(activity.checkpoint)
    assert events.check_in_at_activity(member=attendee, activity=activity, code=screen).ok

    stations.update_station(
        actor=operator,
        station=station,
        expected_version=station.version,
        org=tree.desheng,
        details=details,
    )
    values = {name: getattr(service, name) for name in benefits.SERVICE_FIELDS}
    benefits.update_service(
        actor=operator,
        service=service,
        expected_version=service.version,
        provider=service.provider,
        org=tree.district,
        **values,
    )
    events.update_activity(
        actor=operator,
        activity=activity,
        expected_version=activity.version,
        org=tree.sohu,
        title=activity.title,
        category=activity.category,
        description="",
        audience="members",
        audience_org=None,
        place=activity.place,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )

    assert tallies.verify() == []
    moved = ["checkins.station", "benefits.views", "activities.registrations", "checkins.activity"]
    assert tallies.stored(moved) == {
        (tree.desheng.pk, today, "checkins.station"): 2,
        (tree.desheng.pk, today - timedelta(days=1), "checkins.station"): 1,
        (tree.district.pk, today, "benefits.views"): 1,
        (tree.district.pk, today - timedelta(days=1), "benefits.views"): 2,
        (tree.sohu.pk, today, "activities.registrations"): 1,
        (tree.sohu.pk, today, "checkins.activity"): 1,
    }
    assert Service.objects.get(pk=service.pk).org == tree.district
    out = StringIO()
    call_command("rebuild_tallies", "--check", stdout=out)
    assert out.getvalue().startswith("Tallies are exact (")
