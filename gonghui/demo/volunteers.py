"""Volunteer service from the seed, written through the real actions:

- 顺义: the district union's cadres (工会新时代文明实践指导员队伍) report for duty at 幸福东社区
  by group and time slot (分组分时段) — clearing rubbish and standing at the bins — on the
  月末清洁日 (the last day of last month) and during the 新时代文明实践周 (three days a week
  ago), with arrivals, departures (one forgotten), a late arrival, a no-show, and hours
  certified by the team's two leaders (each certifies the other).
- 回龙观: the 路客联盟's couriers help the community's epidemic prevention at the 回龙观地铁站工会
  驿站 (a station, referenced by its checkpoint), 李师傅 among them with certified hours; the
  next two shifts are open, so he can sign up.

Shifts are published ahead, signed up for through `sign_up`, then moved back to when they
happened (the demo's past), and reported with the shift's code at the actual times.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.core.fields import lookup_value
from gonghui.demo.members import People
from gonghui.members import actions as member_actions
from gonghui.members.choices import JobType
from gonghui.members.models import Member
from gonghui.members.queries import find_own_member
from gonghui.orgs.models import Org
from gonghui.stations.models import Station
from gonghui.volunteers import actions
from gonghui.volunteers.models import Shift, Site, Team

SHUNYI = "顺义区总工会"
HLG = "回龙观街道总工会"
STATION = "回龙观地铁站工会驿站"
SEED = 20_211_130
CADRES = 24
# The groups and time slots at 幸福东社区 (分组分时段), local hours.
SLOTS = [("第一组", 8, 10), ("第二组", 10, 12), ("第三组", 14, 16)]
TASKS = "社区垃圾清理、垃圾桶前值守、文明行为劝导"
FAR_AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class Stay:
    member: Member
    arrived: tuple[int, int] | None  # (hour, minute) local; None: a no-show
    left: tuple[int, int] | None  # None: the departure was forgotten


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def _ahead(at: datetime) -> datetime:
    """Where a past shift is published first: far ahead, so sign-ups are open."""
    return at + FAR_AHEAD


def _move_back(shift: Shift) -> Shift:
    """The shift and its window back to when it happened; its sign-ups made three days
    before it (the tallies are rebuilt from the rows at the end of the demo load)."""
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=F("starts_at") - FAR_AHEAD, ends_at=F("ends_at") - FAR_AHEAD
    )
    Checkpoint.objects.filter(pk=shift.checkpoint_id).update(
        opens_at=F("opens_at") - FAR_AHEAD,
        closes_at=F("closes_at") - FAR_AHEAD,
        registration_closes_at=F("registration_closes_at") - FAR_AHEAD,
    )
    shift.refresh_from_db()
    shift.checkpoint.refresh_from_db()
    Registration.objects.filter(checkpoint_id=shift.checkpoint_id).update(
        created_at=shift.starts_at - timedelta(days=3),
        updated_at=shift.starts_at - timedelta(days=3),
    )
    return shift


def _scan(shift: Shift, member: Member, at: datetime, *, departure: bool) -> None:
    """The volunteer scans the shift's code at `at`, as the phone page does."""
    code = checkins.screen_code(shift.checkpoint, at=at)
    result = actions.report_by_code(
        member=member, shift=shift, code=code, departure=departure, at=at
    )
    if not result.ok:
        raise ValueError(f"demo scan refused at {shift}: {result.code}")


def _report(shift: Shift, stays: list[Stay]) -> None:
    day = timezone.localdate(shift.starts_at)
    for stay in stays:
        if stay.arrived is not None:
            at = _at(day, *stay.arrived)
            code = checkins.screen_code(shift.checkpoint, at=at)
            actions.report_by_code(
                member=stay.member, shift=shift, code=code, departure=False, at=at
            )
        if stay.arrived is not None and stay.left is not None:
            at = _at(day, *stay.left)
            if at < shift.starts_at:
                at += timedelta(days=1)
            code = checkins.screen_code(shift.checkpoint, at=at)
            actions.report_by_code(
                member=stay.member, shift=shift, code=code, departure=True, at=at
            )


def _certify(shift: Shift, stays: list[Stay], leaders: list[User]) -> None:
    """Each stay with a departure certified by a leader who is not the volunteer."""
    for stay in stays:
        if stay.arrived is None or stay.left is None:
            continue
        leader = next(user for user in leaders if user.pk != stay.member.user_id)
        actions.certify_hours(actor=leader, shift=shift, member=stay.member)


def _cadres(operator: User, org: Org) -> list[Member]:
    """The district union's cadres, members of it with their own accounts (people nobody in
    the demo is already: compared by lookup hash)."""
    taken_mobiles = set(
        User.objects.exclude(mobile_hash="").values_list("mobile_hash", flat=True)
    ) | set(Member.objects.values_list("mobile_hash", flat=True))
    taken_ids = set(Member.objects.values_list("id_number_hash", flat=True))
    people = People(SEED)
    cadres: list[Member] = []
    while len(cadres) < CADRES:
        person = people.person(
            kind="content", job_type=JobType.EMPLOYEE, employer=SHUNYI, has_union=True
        )
        if (
            lookup_value("mobile", person.mobile) in taken_mobiles
            or lookup_value("id_number", person.id_number) in taken_ids
        ):
            continue
        member = member_actions.import_member(
            actor=operator, org=org, joined_on=date(2015, 3, 1), **person.fields()
        )
        user = User.objects.create_user(None, None, name=member.name, mobile=person.mobile)
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
        cadres.append(member)
    return cadres


def _last_day_of_last_month(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def load_volunteers(*, operator: User, staff: dict[str, User], worker: User) -> None:
    orgs = {org.name: org for org in Org.objects.filter(name__in=[SHUNYI, HLG])}
    shunyi, hlg = orgs[SHUNYI], orgs[HLG]
    today = timezone.localdate()
    _shunyi(operator, shunyi, today)
    _huilongguan(operator, staff["hlg_staff"], hlg, worker, today)


def _shunyi(operator: User, org: Org, today: date) -> None:
    cadres = _cadres(operator, org)
    site = actions.create_site(
        actor=operator,
        org=org,
        name="幸福东社区",
        kind=Site.Kind.COMMUNITY,
        address="顺义区幸福东社区居委会",
        contact="社区居委会",
    )
    team = actions.create_team(actor=operator, org=org, name="工会新时代文明实践指导员队伍")
    for index, member in enumerate(cadres):
        actions.add_team_member(actor=operator, team=team, member=member, leader=index < 2)
    leaders = [member.user for member in cadres[:2] if member.user is not None]
    cleaning = actions.create_project(
        actor=operator,
        org=org,
        title="月末清洁日",
        description="顺义区总工会结合“月末清洁日”活动开展新时代文明实践志愿服务，分组分时段到幸福东社区报到。",
        publish=True,
    )
    week = actions.create_project(
        actor=operator,
        org=org,
        title="新时代文明实践周",
        description="第二次“新时代文明实践周”志愿服务：协助社区环境整治、文明行为劝导和疫情防控。",
        publish=True,
    )
    days = [(cleaning, _last_day_of_last_month(today))]
    days += [(week, today - timedelta(days=9 - offset)) for offset in range(3)]
    groups = [cadres[0:8], cadres[8:16], cadres[16:24]]
    for number, (project, day) in enumerate(days):
        for (group, start, end), people in zip(SLOTS, groups, strict=True):
            shift = actions.add_shift(
                actor=operator,
                project=project,
                site=site,
                team=team,
                group=group,
                tasks=TASKS,
                starts_at=_ahead(_at(day, start)),
                ends_at=_ahead(_at(day, end)),
                places=8,
            )
            # Two of each group take the day off; the rest sign up.
            signed = [m for i, m in enumerate(people) if (i + number) % 4 != 3]
            for member in signed:
                actions.sign_up(member=member, shift=shift)
            shift = _move_back(shift)
            stays = []
            for i, member in enumerate(signed):
                if i == 5 and number == 1:
                    stays.append(Stay(member, None, None))  # did not come
                elif i == 4 and number == 2:
                    stays.append(Stay(member, (start, 3), None))  # forgot to report leaving
                elif i == 3:
                    stays.append(Stay(member, (start, 25), (end, 0)))  # 25 minutes late
                else:
                    stays.append(Stay(member, (start - 1, 50 + i), (end - 1, 55 - i)))
            _report(shift, stays)
            _certify(shift, stays, leaders)


def _huilongguan(operator: User, hlg_staff: User, org: Org, worker: User, today: date) -> None:
    station = Station.objects.select_related("checkpoint").get(name=STATION)
    site = actions.create_site(
        actor=hlg_staff,
        org=org,
        name=STATION,
        kind=Site.Kind.STATION,
        address="回龙观地铁站B口东侧工会服务亭",
        contact="回龙观街道总工会",
        station_checkpoint=station.checkpoint,
    )
    team = actions.create_team(actor=hlg_staff, org=org, name="路客联盟", kind=Team.Kind.COURIERS)
    li = find_own_member(worker)
    others = Member.objects.filter(org=org, status=Member.Status.ACTIVE)
    if li is not None:
        others = others.exclude(pk=li.pk)
    couriers = list(others.order_by("number")[:11])
    if li is not None:
        couriers.insert(0, li)
    for member in couriers:
        actions.add_team_member(actor=hlg_staff, team=team, member=member, leader=False)
    project = actions.create_project(
        actor=hlg_staff,
        org=org,
        title="路客联盟协助社区防疫",
        description="路客联盟的快递员、配送员、外卖员协助社区疫情防控：发放防疫物资、宣传防疫小贴士。",
        publish=True,
    )
    for offset, (start, end) in [(-6, (19, 21)), (-2, (19, 21))]:
        day = today + timedelta(days=offset)
        shift = actions.add_shift(
            actor=hlg_staff,
            project=project,
            site=site,
            team=team,
            group="晚班",
            tasks="发放应急防疫包、宣传防疫小贴士",
            starts_at=_ahead(_at(day, start)),
            ends_at=_ahead(_at(day, end)),
            places=12,
        )
        for member in couriers:
            actions.sign_up(member=member, shift=shift)
        shift = _move_back(shift)
        stays = [
            Stay(member, (start, 5 * (i % 3)), (end, 0) if i % 5 else (end - 1, 30))
            for i, member in enumerate(couriers)
        ]
        _report(shift, stays)
        _certify(shift, stays, [hlg_staff])
    for offset in (2, 5):
        day = today + timedelta(days=offset)
        actions.add_shift(
            actor=hlg_staff,
            project=project,
            site=site,
            team=team,
            group="晚班",
            tasks="发放应急防疫包、宣传防疫小贴士",
            starts_at=_at(day, 19),
            ends_at=_at(day, 21),
            places=12,
        )
