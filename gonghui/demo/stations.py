"""Demo stations: the 27 courier depots and rest stations the 回龙观 street union looks after
(seed: 27 个快递网点及驿站), each run by its station union, a few run by 中关村科学城 and 德胜,
and two months of visits so the footfall figures have something to show. 李师傅 stops at his
own depot, 龙泽园中通快递网点, most days since he joined.

Stations are created through the actions (audited, each with its checkpoint); the visits are
written in bulk, and the checkpoints' counters set to exactly the rows written. The daily
tallies are rebuilt from the rows once every loader has run (demo.load).
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.checkins.models import CheckIn, Checkpoint
from gonghui.demo.rows import insert_rows
from gonghui.members.choices import GIG_JOB_TYPES
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.stations.actions import StationDetails, create_station, set_station_active
from gonghui.stations.models import Station

SEED = 20261118
DAYS = 60  # of visit history, up to now
HLG = "回龙观街道总工会"
ZGC = "中关村科学城总工会"
DESHENG = "德胜街道总工会"
WORKER_STATION = "龙泽园中通快递网点"
WORKER_SECOND = "回龙观地铁站工会驿站"

_DEPOT = ("water", "charging", "rest", "first_aid")
_PICKUP = ("water", "charging", "rest")
_UNION = ("water", "charging", "rest", "toilet", "microwave", "first_aid", "climate", "umbrella")
_RIDERS = ("water", "charging", "rest", "toilet", "microwave", "wifi")


@dataclass(frozen=True)
class StationRow:
    name: str
    address: str
    opens: time | None  # None: around the clock
    closes: time | None
    amenities: tuple[str, ...]
    weekdays: str = "1234567"
    note: str = ""
    pull: float = 1.0  # how busy it is


def _t(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# The 27 sites of demo.load.HUILONGGUAN_STATIONS (same names; each one is also a station-level
# union there, which runs it).
HUILONGGUAN: list[StationRow] = [
    StationRow("龙泽园中通快递网点", "龙泽园小区西门南侧底商", _t("07:30"), _t("20:30"), _DEPOT,
               pull=1.6),
    StationRow("回龙观西大街顺丰速运网点", "回龙观西大街18号院1号楼底商", _t("08:00"), _t("21:00"),
               (*_DEPOT, "microwave"), pull=1.5),
    StationRow("龙锦苑圆通速递网点", "龙锦苑东二区南门西侧", _t("08:00"), _t("20:00"), _DEPOT),
    StationRow("云趣园韵达快递网点", "云趣园三区北门东侧", _t("08:00"), _t("20:00"), _DEPOT),
    StationRow("新龙城申通快递网点", "新龙城小区东门外50米", _t("08:00"), _t("20:00"), _DEPOT),
    StationRow("龙腾苑京东物流站点", "龙腾苑四区北侧京东配送站", _t("07:00"), _t("21:00"),
               (*_DEPOT, "microwave"), pull=1.4),
    StationRow("流星花园邮政快递网点", "流星花园一区南门邮政所旁", _t("08:30"), _t("18:00"), _DEPOT,
               weekdays="123456", note="周日休息；法定节假日另行通知"),
    StationRow("北店嘉园极兔速递网点", "北店嘉园西门北侧底商", _t("08:00"), _t("20:00"), _DEPOT),
    StationRow("金域华府德邦快递网点", "金域华府小区北门东侧", _t("08:00"), _t("19:30"), _DEPOT),
    StationRow("龙华园菜鸟驿站", "龙华园一区6号楼底商", _t("09:00"), _t("21:00"), _PICKUP,
               pull=0.7),
    StationRow("风雅园菜鸟驿站", "风雅园二区南门内", _t("09:00"), _t("21:00"), _PICKUP, pull=0.7),
    StationRow("龙跃苑菜鸟驿站", "龙跃苑三区商业楼一层", _t("09:00"), _t("21:30"), _PICKUP,
               pull=0.7),
    StationRow("田园风光雅苑快递驿站", "田园风光雅苑东门南侧", _t("09:00"), _t("20:30"), _PICKUP,
               pull=0.6),
    StationRow("云趣园一区户外劳动者驿站", "云趣园一区社区服务站一层", _t("07:00"), _t("21:00"),
               _UNION, note="冬季供应热水、夏季供应防暑饮品", pull=2.2),
    StationRow("回龙观地铁站工会驿站", "回龙观地铁站B口东侧工会服务亭", _t("06:30"), _t("22:30"),
               (*_UNION, "repair"), pull=2.5),
    StationRow("育知东路工会驿站", "育知东路30号院北门", _t("07:00"), _t("21:00"), _UNION,
               weekdays="123456", note="周日及法定节假日闭站", pull=1.8),
    StationRow("融泽嘉园快递驿站", "融泽嘉园一号院南门东侧", _t("09:00"), _t("21:00"), _PICKUP,
               pull=0.6),
    StationRow("天露园快递驿站", "天露园小区西门底商", _t("09:00"), _t("20:00"), _PICKUP, pull=0.6),
    StationRow("同成街美团骑手站", "同成街华联商厦北侧", None, None, _RIDERS,
               note="24小时开放，夜间请按门铃", pull=2.4),
    StationRow("回龙观东大街饿了么骑手站", "回龙观东大街338号院东侧", _t("10:00"), _t("02:00"),
               _RIDERS, note="午高峰、晚高峰备有免费热饭", pull=2.0),
    StationRow("龙禧苑闪送服务站", "龙禧苑二区北门西侧", _t("08:00"), _t("22:00"),
               ("water", "charging", "rest", "repair")),
    StationRow("冠庭园快递驿站", "冠庭园小区南门", _t("09:00"), _t("20:00"), _PICKUP, pull=0.6),
    StationRow("通达园快递驿站", "通达园西区底商", _t("09:00"), _t("20:00"), _PICKUP, pull=0.6),
    StationRow("佰嘉城快递驿站", "佰嘉城小区北门东侧", _t("09:00"), _t("21:00"), _PICKUP, pull=0.6),
    StationRow("和谐家园快递驿站", "和谐家园一区东门", _t("09:00"), _t("20:30"), _PICKUP, pull=0.6),
    StationRow("金榜园快递驿站", "金榜园小区西门", _t("09:00"), _t("20:00"), _PICKUP, pull=0.6),
    StationRow("农学院社区快递驿站", "北京农学院东门对面社区服务站旁", _t("09:00"), _t("20:00"),
               _PICKUP, pull=0.5),
]  # fmt: skip

ZHONGGUANCUN: list[StationRow] = [
    StationRow("中关村大街户外劳动者服务站", "中关村大街11号e世界财富中心南侧", _t("07:00"),
               _t("21:00"), _UNION, pull=2.0),
    StationRow("海淀黄庄工会驿站", "知春路与中关村大街交叉口西南角", _t("06:30"), _t("22:00"),
               (*_UNION, "wifi"), pull=2.2),
    StationRow("科学院南路骑手暖心驿站", "科学院南路2号融科资讯中心B座一层", _t("10:00"),
               _t("01:00"), _RIDERS, note="外卖骑手优先；午晚高峰免费热饭", pull=1.6),
]  # fmt: skip

DESHENG_ROWS: list[StationRow] = [
    StationRow("德胜门工会户外劳动者驿站", "德胜门外大街83号德胜国际中心东侧", _t("07:00"),
               _t("20:00"), _UNION, pull=1.5),
    StationRow("新街口外大街快递小哥驿站", "新街口外大街28号院南门", _t("08:00"), _t("20:00"),
               _DEPOT, pull=1.0),
    StationRow("德外大街临时驿站", "德胜门外大街甲10号（施工围挡内）", _t("08:00"), _t("18:00"),
               _PICKUP, note="道路施工期间临时设置", pull=0.0),
]  # fmt: skip
CLOSED = "德外大街临时驿站"


def _details(row: StationRow, *, district: str, street: str, phone: str) -> StationDetails:
    return StationDetails(
        name=row.name,
        district=district,
        street=street,
        address=row.address,
        weekdays=row.weekdays,
        all_day=row.opens is None,
        opens=row.opens,
        closes=row.closes,
        hours_note=row.note,
        amenities=row.amenities,
        phone=phone,
    )


def _create(
    actor: User, org: Org, row: StationRow, *, district: str, street: str, phone: str
) -> Station:
    return create_station(
        actor=actor, org=org, details=_details(row, district=district, street=street, phone=phone)
    )


def _visit_time(rng: random.Random, station: Station, day: date) -> datetime | None:
    """A moment on `day` when the station is open, busiest over lunch and early evening."""
    if str(day.isoweekday()) not in station.weekdays:
        return None
    if station.all_day or station.opens is None or station.closes is None:
        first, last = 0, 23
    else:
        first = station.opens.hour
        # A span past midnight: this day's part only.
        last = 23 if station.closes < station.opens else max(station.closes.hour - 1, first)
    hours = list(range(first, last + 1))
    weights = [3.0 if 11 <= h <= 13 else 2.0 if 17 <= h <= 19 else 0.3 if h < 6 else 1.0
               for h in hours]  # fmt: skip
    hour = rng.choices(hours, weights=weights)[0]
    minute = rng.randrange(60)
    if station.opens is not None and hour == station.opens.hour:
        minute = max(minute, station.opens.minute)
    moment = datetime.combine(day, time(hour, minute, rng.randrange(60)))
    return timezone.make_aware(moment)


@dataclass
class _Visits:
    rows: list[dict[str, Any]]  # CheckIn columns
    seen: set[tuple[int, int, date]]  # (member, checkpoint, day): one visit a day

    def add(self, member_id: int, station: Station, at: datetime) -> None:
        key = (member_id, station.checkpoint_id, timezone.localdate(at))
        if key in self.seen:
            return
        self.seen.add(key)
        self.rows.append(
            {
                "checkpoint_id": station.checkpoint_id, "member_id": member_id,
                "checked_in_at": at, "day": key[2], "method": CheckIn.Method.POSTER,
            }
        )  # fmt: skip


def _regulars(
    rng: random.Random,
    visits: _Visits,
    members: list[tuple[int, date]],
    stations: list[Station],
    pulls: dict[str, float],
    *,
    now: datetime,
    rate: tuple[float, float],
) -> None:
    """Each member has one to three stations on their round and stops at them on some days."""
    today = timezone.localdate(now)
    weights = [pulls[s.name] for s in stations]
    for member_id, joined_on in members:
        round_ = set(rng.choices(stations, weights=weights, k=rng.randint(1, 3)))
        habit = rng.uniform(*rate)
        for ago in range(DAYS):
            day = today - timedelta(days=ago)
            if day < joined_on:
                break
            for station in round_:
                if rng.random() >= habit * min(pulls[station.name], 1.5):
                    continue
                at = _visit_time(rng, station, day)
                if at is not None and at <= now:
                    visits.add(member_id, station, at)


def load_stations(*, staff: dict[str, User], worker: User) -> None:
    rng = random.Random(SEED)
    now = timezone.now()
    orgs = {org.name: org for org in Org.objects.filter(name__in=[HLG, ZGC, DESHENG])}
    station_orgs = {
        org.name: org
        for org in Org.objects.filter(parent=orgs[HLG], name__in=[row.name for row in HUILONGGUAN])
    }
    pulls: dict[str, float] = {}
    hlg_stations: list[Station] = []
    for n, row in enumerate(HUILONGGUAN, 1):
        hlg_stations.append(
            _create(
                staff["hlg_staff"], station_orgs[row.name], row, district="昌平区",
                street="回龙观", phone=f"010-8179{n:04d}",
            )
        )  # fmt: skip
        pulls[row.name] = row.pull
    zgc_stations = []
    for n, row in enumerate(ZHONGGUANCUN, 1):
        zgc_stations.append(
            _create(
                staff["zgc_admin"], orgs[ZGC], row, district="海淀区", street="中关村",
                phone=f"010-6256{n:04d}",
            )
        )  # fmt: skip
        pulls[row.name] = row.pull
    desheng_stations = []
    for n, row in enumerate(DESHENG_ROWS, 1):
        station = _create(
            staff["fed_admin"], orgs[DESHENG], row, district="西城区", street="德胜",
            phone=f"010-6201{n:04d}",
        )  # fmt: skip
        if row.name == CLOSED:
            set_station_active(actor=staff["fed_admin"], station=station, active=False)
        else:
            desheng_stations.append(station)
        pulls[row.name] = row.pull

    visits = _Visits(rows=[], seen=set())
    # 李师傅: his own depot on most days since he joined, the metro station's once.
    worker_member = Member.objects.only("pk", "joined_on").get(user=worker)
    by_name = {s.name: s for s in hlg_stations}
    for offset in (0, 1, 3, 5):
        day = worker_member.joined_on + timedelta(days=offset)
        at = timezone.make_aware(datetime.combine(day, time(19, 12 + offset)))
        if day < timezone.localdate(now):
            visits.add(worker_member.pk, by_name[WORKER_STATION], at)
    second = worker_member.joined_on + timedelta(days=2)
    if second < timezone.localdate(now):
        at = timezone.make_aware(datetime.combine(second, time(12, 26)))
        visits.add(worker_member.pk, by_name[WORKER_SECOND], at)

    hlg_path = orgs[HLG].path
    couriers = [
        (pk, joined)
        for pk, joined in Member.objects.in_subtree(hlg_path)
        .filter(status=Member.Status.ACTIVE)
        .exclude(pk=worker_member.pk)
        .order_by("pk")
        .values_list("pk", "joined_on")
    ]
    # Riders, couriers and office workers of 中关村's subtree: many live in 回龙观 (the
    # commuter town up the subway line), pass 中关村's stations at work, a few cross to 德胜.
    zgc_members = list(
        Member.objects.in_subtree(orgs[ZGC].path)
        .filter(status=Member.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "joined_on", "job_type")
    )
    gig = [(pk, joined) for pk, joined, job in zgc_members if job in GIG_JOB_TYPES]
    office = [(pk, joined) for pk, joined, job in zgc_members if job not in GIG_JOB_TYPES]
    office = rng.sample(office, min(len(office), 200))
    _regulars(rng, visits, couriers, hlg_stations, pulls, now=now, rate=(0.3, 0.6))
    living_there = rng.sample(gig, min(len(gig), 200))
    _regulars(rng, visits, living_there, hlg_stations, pulls, now=now, rate=(0.1, 0.35))
    _regulars(rng, visits, office[:80], hlg_stations, pulls, now=now, rate=(0.03, 0.1))
    _regulars(rng, visits, gig, zgc_stations, pulls, now=now, rate=(0.04, 0.2))
    _regulars(rng, visits, office[80:], zgc_stations, pulls, now=now, rate=(0.02, 0.08))
    crossing = rng.sample(gig, min(len(gig), 60))
    _regulars(rng, visits, crossing, desheng_stations, pulls, now=now, rate=(0.03, 0.15))

    insert_rows(CheckIn, visits.rows)
    # Counters exactly the rows written (never from an instance: see Checkpoint).
    per_checkpoint = Counter(row["checkpoint_id"] for row in visits.rows)
    for checkpoint_id, n in per_checkpoint.items():
        Checkpoint.objects.filter(pk=checkpoint_id).update(checked_in=n)
