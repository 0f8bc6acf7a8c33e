"""The demo's activities (活动), as the seed page tells them.

- 双沟通: after the 23 recruitment events (demo.members) the unions meet the members they
  gained — 座谈会 and 恳谈会 at 掌趣科技 (June), 小米 (September) and 贝壳找房 (October), and the
  new 搜狐集团（北京）工会's first meeting with the people who joined in July (November).
- 工匠精神: 中关村科学城总工会's 2026 seminar of the series it began in 2016 (研讨、论文征集、
  “创新工匠”评选), and the next one, open for registration.
- 五小: the showcase of 小发明、小创造、小革新、小设计、小建议 at 北京公交集团保修分公司一厂
  (便携式汽车电器检测电源, 充电座端子定位器, 风炮消音器 among 10余项 works).
- 消防演练 at 北京建工新材新科公司: 近百名职工 — 97 checked in, scanned offline in the yard.
- 安康杯 in 门头沟: 门头沟区总工会's four events at the seed's four places.
- 普惠活动: 中关村's autumn walk, 11,248 registered and 10,527 checked in (万人以上参与).
- 回龙观: the 红色领队微党课 for couriers from 18 November; 李师傅 checked in at the second
  lesson and is registered for the next.
- Open whenever the demo is loaded (dated from the time of loading): the next lesson, a free
  health check that is full (waiting list), a rest-and-recuperation stay (疗休养) that needs
  approval, a winter carnival for all members, the next 工匠精神 seminar, and a draft.

The people are the unions' existing members, imported from their rosters (会员花名册) through
the roster upload's own action: 9,400 at 中关村's forty largest enterprise unions, and the staff
of the bus plant, the fire-drill company and 门头沟's hotel, landscaping company, kindergarten
and property company. They are invented like demo.members' people, from a fixed seed, and share
no ID or mobile number with anyone already in the demo.

Activities are created, published and reported through the events actions (report photos go
through the upload pipeline, which resizes them and strips their EXIF location). Check-ins at
the smaller activities go through the check-in actions (the big screen's rotating code, card
scans uploaded as offline batches) at the time they happened, and so do the registrations for
what is still to come. Past registrations and the walk's 10,527 check-ins are written in bulk,
as an import would, with the checkpoint's counters, the daily tallies and a summary audit entry
kept equal to the rows.
"""

import io
import random
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins import metrics as checkins_metrics
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.core import audit
from gonghui.core.fields import lookup_value
from gonghui.core.personal import birth_date_of
from gonghui.demo.enterprises import HLG, MENTOUGOU, SOHU_UNION, ZGC, Company
from gonghui.demo.members import People, Person
from gonghui.demo.rows import insert_rows
from gonghui.enterprises.models import Enterprise
from gonghui.events.actions import (
    add_photo,
    create_activity,
    publish_activity,
    publish_report,
    register_for_activity,
    upload_scans,
)
from gonghui.events.models import Activity, ActivityPhoto, Audience, Category
from gonghui.members import cards
from gonghui.members.actions import record_roster_members
from gonghui.members.choices import Gender, JobType
from gonghui.members.models import Application, Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

SEED = 20261024  # the day of the walk
YEAR = 2026
ROOT = "北京市总工会"
BUS_PLANT_UNION = "北京公交集团保修分公司一厂工会"
FIRE_DRILL_UNION = "北京建工新材新科公司工会"
HOTEL_UNION = "北京龙泉宾馆工会"
GARDENS_UNION = "北京绿京华生态园林股份有限公司工会"
KINDERGARTEN = "门头沟区沈悦长安红黄蓝幼儿园"
PROPERTY = "门头沟区瑞龙祥物业"
XIAOMI_UNION = "小米科技有限责任公司工会"
BEIKE_UNION = "贝壳找房（北京）科技有限公司工会"
ZHANGQU_UNION = "北京掌趣科技股份有限公司工会"

# --- the unions' rosters ---------------------------------------------------------------------

# 中关村's forty largest enterprise unions founded before this year keep their rosters on the
# platform; 9,400 existing members between them, shared by headcount.
ZGC_ROSTER_UNIONS = 40
ZGC_ROSTER_MEMBERS = 9_400
ROSTER_UNTIL = date(YEAR - 1, 12, 31)  # imported at the start of the year: joined before it


@dataclass(frozen=True)
class Roster:
    org: str  # the union the members belong to
    employer: str
    size: int
    kinds: tuple[tuple[str, int], ...]  # kinds of work (see demo.members.People) and weights
    male_share: float
    since: date  # the earliest joining day (the union's founding)
    own_union: bool = True  # False: workers of a small unit who joined the district union


ROSTERS = [
    Roster(BUS_PLANT_UNION, "北京公交集团保修分公司一厂", 386, (("gig", 85), ("tech", 15)), 0.86,
           date(2002, 1, 1)),
    Roster(FIRE_DRILL_UNION, "北京建工新材新科公司", 241, (("gig", 65), ("tech", 35)), 0.74,
           date(2011, 6, 20)),
    Roster(HOTEL_UNION, "北京龙泉宾馆", 168, (("gig", 60), ("content", 40)), 0.42,
           date(2009, 3, 16)),
    Roster(GARDENS_UNION, "北京绿京华生态园林股份有限公司", 256, (("gig", 70), ("tech", 30)), 0.68,
           date(2013, 9, 10)),
    Roster(MENTOUGOU, KINDERGARTEN, 34, (("content", 1),), 0.06, date(2015, 9, 1), False),
    Roster(MENTOUGOU, PROPERTY, 52, (("gig", 1),), 0.64, date(2016, 3, 1), False),
]  # fmt: skip

# --- the figures of the seed's activities ----------------------------------------------------

# The autumn walk (万人以上参与的普惠活动): registered (still confirmed), cancelled, registered
# and checked in, checked in without registering.
WALK_REGISTERED, WALK_CANCELLED, WALK_ATTENDED, WALK_WALK_INS = 11_248, 138, 10_463, 64
WALK_CAPACITY = 12_000
DRILL_CHECKED_IN = 97  # 近百名职工参与
SHOWCASE_CHECKED_IN = 214
# 安康杯: (title, category, place, employer of those taking part, month, day, hour, checked in).
ANKANG: list[tuple[str, str, str, str, int, int, int, int]] = [
    ("“安康杯”竞赛 · 消防安全教育培训", Category.STUDY, KINDERGARTEN, KINDERGARTEN, 6, 12, 9, 31),
    ("“安康杯”竞赛 · 消防疏散演习", Category.DRILL, "北京龙泉宾馆", "北京龙泉宾馆", 6, 16, 14, 118),
    ("“安康杯”竞赛 · 安全演习", Category.DRILL, PROPERTY, PROPERTY, 6, 19, 9, 43),
    ("“安康杯”竞赛 · 应急演练", Category.DRILL, "北京绿京华生态园林股份有限公司",
     "北京绿京华生态园林股份有限公司", 6, 23, 9, 176),
]  # fmt: skip


def _d(month: int, day: int) -> date:
    return date(YEAR, month, day)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


# --- people ----------------------------------------------------------------------------------


class NewPeople(People):
    """demo.members' people, none of whom shares an ID number or a mobile with anyone the
    database holds already (compared by lookup hash: nothing is decrypted)."""

    def __init__(self, seed: int, *, taken_ids: set[str], taken_mobiles: set[str]) -> None:
        super().__init__(seed)
        self.taken_ids, self.taken_mobiles = taken_ids, taken_mobiles

    def id_number(self, born: date, gender: str, region: str) -> str:
        while True:
            number = super().id_number(born, gender, region)
            if lookup_value("id_number", number) not in self.taken_ids:
                return number

    def mobile(self) -> str:
        while True:
            mobile = super().mobile()
            if lookup_value("mobile", mobile) not in self.taken_mobiles:
                return mobile

    def worker(self, *, kind: str, employer: str, has_union: bool, male_share: float) -> Person:
        """An employee doing `kind` of work, a man with probability `male_share`."""
        male = self.rng.random() < male_share
        while True:
            person = self.person(
                kind=kind, job_type=JobType.EMPLOYEE, employer=employer, has_union=has_union
            )
            if (person.gender == Gender.MALE) == male:
                return person


def _new_people() -> NewPeople:
    # Anonymised people have no hashes (members.retention): the `if h` leaves them out.
    taken_ids = {h for h in Member.objects.values_list("id_number_hash", flat=True) if h}
    taken_ids |= {h for h in Application.objects.values_list("id_number_hash", flat=True) if h}
    taken_mobiles = {h for h in Member.objects.values_list("mobile_hash", flat=True) if h}
    taken_mobiles |= {h for h in Application.objects.values_list("mobile_hash", flat=True) if h}
    taken_mobiles |= {h for h in User.objects.values_list("mobile_hash", flat=True) if h}
    return NewPeople(SEED, taken_ids=taken_ids, taken_mobiles=taken_mobiles)


def _adult_on(born: date) -> date:
    try:
        return born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February
        return date(born.year + 18, 3, 1)


def _joined_on(rng: random.Random, person: Person, since: date) -> date:
    """When an existing member joined: a third on the union's founding day (its founding
    members), the rest since; never before they were eighteen."""
    start = max(since, _adult_on(birth_date_of(person.id_number)))
    if start == since and rng.random() < 0.3:
        return since
    return start + timedelta(days=rng.randrange((ROSTER_UNTIL - start).days + 1))


def _record(actor: User, org: Org, people: list[tuple[Person, date]]) -> None:
    """One roster upload: numbered in the order people joined."""
    people.sort(key=lambda pair: (pair[1], pair[0].id_number))
    record_roster_members(
        actor=actor,
        org=org,
        people=[{**person.fields(), "joined_on": joined} for person, joined in people],
    )


def _zgc_rosters(people: NewPeople, zgc_admin: User, zgc: Org) -> None:
    enterprises = list(
        Enterprise.objects.filter(org=zgc, union__isnull=False, union_established_on__year__lt=YEAR)
        .select_related("union")
        .order_by("-headcount", "name")[:ZGC_ROSTER_UNIONS]
    )
    rng = people.rng
    weights = [e.headcount * rng.uniform(0.7, 1.3) for e in enterprises]
    total = sum(weights)
    shares = [ZGC_ROSTER_MEMBERS * w / total for w in weights]
    sizes = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: sizes[i] - shares[i])
    for i in by_remainder[: ZGC_ROSTER_MEMBERS - sum(sizes)]:
        sizes[i] += 1
    for enterprise, size in zip(enterprises, sizes, strict=True):
        assert enterprise.union is not None
        assert enterprise.union_established_on is not None
        company = Company(
            name=enterprise.name, credit_code="", industry=enterprise.industry, district="",
            street="", address="", headcount=enterprise.headcount,
            gig_headcount=enterprise.gig_headcount, contact_name="", contact_mobile="",
        )  # fmt: skip
        roster = []
        for _ in range(size):
            person = people.employee(company, has_union=True)
            roster.append((person, _joined_on(rng, person, enterprise.union_established_on)))
        _record(zgc_admin, enterprise.union, roster)


def _other_rosters(people: NewPeople, actor: User, orgs: dict[str, Org]) -> None:
    rng = people.rng
    by_org: dict[str, list[tuple[Person, date]]] = {}
    for roster in ROSTERS:
        kinds = [kind for kind, _w in roster.kinds]
        weights = [w for _kind, w in roster.kinds]
        for _ in range(roster.size):
            person = people.worker(
                kind=rng.choices(kinds, weights=weights)[0],
                employer=roster.employer,
                has_union=roster.own_union,
                male_share=roster.male_share,
            )
            by_org.setdefault(roster.org, []).append(
                (person, _joined_on(rng, person, roster.since))
            )
    for name, roster_people in by_org.items():
        _record(actor, orgs[name], roster_people)


# --- writing activities ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reg:
    """A registration written in bulk."""

    member: Member
    at: datetime
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class Visit:
    """A check-in written in bulk."""

    member: Member
    at: datetime
    method: str
    walk_in: bool = False


def _set_times(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[int, Sequence[Any]]]
) -> None:
    """Set auto_now(_add) columns, which bulk_create and the actions stamp with the current
    time, to when things happened, in one executemany."""
    fields = []
    for name in columns:
        field = model._meta.get_field(name)
        assert isinstance(field, models.DateTimeField)
        fields.append(field)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 — the model's names
    params = [
        [*(f.get_db_prep_value(v, connection) for f, v in zip(fields, values, strict=True)), key]
        for key, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _tally(activity: Activity, metric: str, moments: Iterable[datetime]) -> None:
    for day, n in sorted(Counter(timezone.localdate(m) for m in moments).items()):
        tallies.count(activity.org_id, metric, n, on=day)


def _write_registrations(actor: User, activity: Activity, regs: Sequence[Reg]) -> None:
    """Registrations made before the demo's present, in bulk: the places they hold, the daily
    tally of registrations and one audit entry go with them."""
    regs = sorted(regs, key=lambda r: (r.at, r.member.pk))
    checkpoint = activity.checkpoint
    opens, closes = checkpoint.registration_opens_at, checkpoint.registration_closes_at
    for reg in regs:
        if (opens and reg.at < opens) or (closes and reg.at > closes):
            raise ValueError(f"a registration for {activity} outside its window")
    cancelled, confirmed = Registration.Status.CANCELLED, Registration.Status.CONFIRMED
    insert_rows(
        Registration,
        [
            {
                "checkpoint_id": checkpoint.pk,
                "member_id": reg.member.pk,
                "places": 1,
                "status": cancelled if reg.cancelled_at else confirmed,
                "created_at": reg.at,
                "updated_at": reg.cancelled_at or reg.at,
            }
            for reg in regs
        ],
    )
    places = sum(1 for reg in regs if reg.cancelled_at is None)
    # The checkpoint's capacity constraint refuses more places than there are.
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        confirmed_places=F("confirmed_places") + places
    )
    _tally(activity, checkins_metrics.REGISTRATIONS, (reg.at for reg in regs))
    audit.record(
        actor=actor, action="checkins.registration.bulk_created", org=activity.org,
        target=activity, changes={"source": "demo data", "registrations": len(regs),
                                  "confirmed": places, "cancelled": len(regs) - places},
    )  # fmt: skip


def _write_visits(actor: User, activity: Activity, visits: Sequence[Visit]) -> None:
    """Check-ins in bulk, by the same rules as checkins.verdict.decide (window, registration, once
    each), with the counters, the daily tally and one audit entry."""
    checkpoint = activity.checkpoint
    registered = set(
        Registration.objects.filter(
            checkpoint=checkpoint, status__in=checkins.PLACE_HOLDING
        ).values_list("member_id", flat=True)
    )
    assert checkpoint.opens_at is not None
    assert checkpoint.closes_at is not None
    for visit in visits:
        if not checkpoint.opens_at <= visit.at <= checkpoint.closes_at:
            raise ValueError(f"a check-in at {activity} outside its window")
        if visit.walk_in == (visit.member.pk in registered):
            raise ValueError(f"a check-in at {activity} that is not what its registration says")
    if len({visit.member.pk for visit in visits}) != len(visits):
        raise ValueError(f"someone checks in twice at {activity}")
    visits = sorted(visits, key=lambda v: (v.at, v.member.pk))
    insert_rows(
        CheckIn,
        [
            {
                "checkpoint_id": checkpoint.pk,
                "member_id": visit.member.pk,
                "checked_in_at": visit.at,
                "method": visit.method,
                "walk_in": visit.walk_in,
                "recorded_by_id": actor.pk if visit.method == CheckIn.Method.CARD else None,
            }
            for visit in visits
        ],
    )
    walk_ins = sum(1 for visit in visits if visit.walk_in)
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        checked_in=F("checked_in") + len(visits), walk_ins=F("walk_ins") + walk_ins
    )
    _tally(activity, checkins_metrics.checkins(checkpoint.kind), (visit.at for visit in visits))
    audit.record(
        actor=actor, action="checkins.checkin.bulk_created", org=activity.org, target=activity,
        changes={"source": "demo data", "checkins": len(visits), "walk_ins": walk_ins},
    )  # fmt: skip


def _scan_cards(
    actor: User, activity: Activity, scans: Sequence[tuple[Member, datetime]], device: str
) -> None:
    """Card scans a staff phone kept while offline, uploaded afterwards as batches."""
    items = [
        checkins.BatchItem(
            nonce=f"{index:05d}", card_code=cards.card_code_of(member), scanned_at=at
        )
        for index, (member, at) in enumerate(sorted(scans, key=lambda s: (s[1], s[0].pk)))
    ]
    for start in range(0, len(items), checkins.MAX_BATCH):
        answers = upload_scans(
            actor=actor,
            activity=activity,
            device=device,
            items=items[start : start + checkins.MAX_BATCH],
        )
        refused = [answer["code"] for answer in answers if not answer["ok"]]
        if refused:
            raise ValueError(f"scans refused at {activity}: {Counter(refused)}")


def _scan_screen(activity: Activity, scans: Sequence[tuple[Member, datetime]]) -> None:
    """Members who scanned the big screen's rotating code with their phones."""
    checkpoint = activity.checkpoint
    for member, at in sorted(scans, key=lambda s: (s[1], s[0].pk)):
        result = checkins.check_in_by_screen(
            member=member, checkpoint=checkpoint, code=checkins.screen_code(checkpoint, at=at),
            at=at,
        )  # fmt: skip
        if not result.ok:
            raise ValueError(f"{result.code} at {activity}")


def _backdate(activity: Activity, published: datetime) -> None:
    Activity.objects.filter(pk=activity.pk).update(
        created_at=published - timedelta(minutes=40), published_at=published
    )
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(
        created_at=published - timedelta(minutes=40)
    )


# --- photos ----------------------------------------------------------------------------------

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
PHOTO_SIZE = (960, 640)


@dataclass(frozen=True)
class Scene:
    """What a report photo shows: a hall, an exhibition, an outdoor crowd or a factory yard."""

    setting: str  # hall, exhibit, outdoor, yard
    banner: str
    crowd: int
    clothes: tuple[int, int, int] | None = None  # everyone in the same colour (a uniform)


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None  # no CJK font on this machine: banners without words


def _banner(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str) -> None:
    draw.rectangle(box, fill=(190, 28, 36))
    font = _font(max(14, (box[3] - box[1]) * 3 // 5))
    if font is None:
        return
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (box[0] + box[2] - (right - left)) // 2
    y = (box[1] + box[3] - (bottom - top)) // 2 - top
    draw.text((x, y), text, font=font, fill=(255, 222, 89))


def _people(draw: ImageDraw.ImageDraw, rng: random.Random, scene: Scene, horizon: int) -> None:
    """A crowd seen from behind, smaller towards the back."""
    width, height = PHOTO_SIZE
    rows = max(2, scene.crowd // 9)
    for row in range(rows):
        depth = row / max(rows - 1, 1)  # 0 at the back, 1 in front
        scale = 0.45 + 1.1 * depth
        feet = horizon + 30 + int((height - horizon + 40) * depth)
        for _ in range(max(1, scene.crowd // rows)):
            x = rng.randrange(-20, width + 20)
            shirt = scene.clothes or rng.choice(
                [(52, 84, 140), (200, 60, 50), (60, 120, 90), (230, 230, 225), (40, 40, 48),
                 (220, 160, 60), (120, 80, 150)]
            )  # fmt: skip
            body_w, body_h, head = 30 * scale, 64 * scale, 11 * scale
            draw.rounded_rectangle(
                (x - body_w / 2, feet - body_h, x + body_w / 2, feet), radius=9 * scale, fill=shirt
            )
            hair = rng.choice([(25, 22, 20), (45, 35, 30), (70, 60, 55)])
            draw.ellipse(
                (x - head, feet - body_h - 2 * head, x + head, feet - body_h + 2), fill=hair
            )


def _picture(scene: Scene, seed: int) -> bytes:
    """A photo as a phone takes it: a JPEG with the camera's EXIF, its GPS position included
    (the upload pipeline strips it)."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, (230, 226, 218))
    draw = ImageDraw.Draw(image)
    outside = scene.setting in {"outdoor", "yard"}
    horizon = int(height * (0.5 if outside else 0.45))
    if outside:
        for y in range(horizon):
            shade = y / horizon
            draw.line(
                (0, y, width, y),
                fill=(int(110 + 90 * shade), int(160 + 60 * shade), int(220 + 25 * shade)),
            )
        ground = (118, 152, 88) if scene.setting == "outdoor" else (158, 156, 150)
        draw.rectangle((0, horizon, width, height), fill=ground)
    else:
        wall = rng.choice([(226, 214, 196), (214, 222, 230), (232, 226, 214)])
        draw.rectangle((0, 0, width, horizon), fill=wall)
        draw.rectangle((0, horizon, width, height), fill=(168, 140, 110))
    if scene.setting == "outdoor":
        for _ in range(14):
            x, size = rng.randrange(width), rng.randrange(30, 70)
            draw.rectangle((x - 5, horizon - 10, x + 5, horizon + 20), fill=(96, 70, 50))
            draw.ellipse((x - size, horizon - 10 - 2 * size, x + size, horizon), fill=(58, 118, 62))
        _banner(draw, (width // 5, 40, width * 4 // 5, 100), scene.banner)
    elif scene.setting == "yard":
        draw.rectangle((60, 60, width - 260, horizon), fill=(196, 190, 178))
        for col in range(8):
            for row in range(3):
                x, y = 90 + col * 70, 80 + row * 60
                draw.rectangle((x, y, x + 36, y + 34), fill=(120, 150, 170))
        for _ in range(9):
            x, y, r = rng.randrange(width - 300, width), rng.randrange(40, horizon), 50
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(150, 150, 150))
        _banner(draw, (80, 12, width - 280, 52), scene.banner)
    else:
        # A stage screen (hall) or display boards and tables (exhibition).
        if scene.setting == "hall":
            draw.rectangle((width // 6, 70, width * 5 // 6, horizon - 30), fill=(28, 70, 140))
        else:
            for i in range(4):
                x = 40 + i * 230
                draw.rectangle((x, 120, x + 190, horizon - 10), fill=(245, 245, 240))
                draw.rectangle((x + 15, 140, x + 175, 230), fill=(130, 160, 190))
                for line in range(4):
                    y = 250 + line * 14
                    draw.line((x + 15, y, x + 175, y), fill=(150, 150, 150), width=4)
                draw.rectangle((x - 5, horizon + 10, x + 200, horizon + 60), fill=(90, 90, 96))
                draw.rectangle((x + 50, horizon - 10, x + 120, horizon + 12), fill=(60, 60, 66))
        _banner(draw, (width // 8, 14, width * 7 // 8, 62), scene.banner)
    _people(draw, rng, scene, horizon)
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif[0x0110] = "Mate 60"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 58.0, 30.0), 3: "E", 4: (116.0, 18.0, 40.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, exif=exif)
    return buffer.getvalue()


def _report(
    actor: User,
    activity: Activity,
    *,
    text: str,
    photos: Sequence[tuple[str, Scene]],
    at: datetime,
) -> None:
    """The photos, uploaded as staff upload them, and the report published at `at`."""
    uploaded = []
    for index, (caption, scene) in enumerate(photos):
        seed = zlib.crc32(f"{activity.title}/{index}".encode())
        upload = SimpleUploadedFile(
            f"IMG_{seed % 10**8:08d}.jpg", _picture(scene, seed), content_type="image/jpeg"
        )
        photo = add_photo(
            actor=actor, activity=activity, upload=upload, use=ActivityPhoto.Use.REPORT,
            caption=caption,
        )  # fmt: skip
        uploaded.append((photo.pk, (at - timedelta(minutes=20 - index),)))
    publish_report(actor=actor, activity=activity, text=text)
    _set_times(ActivityPhoto, ("uploaded_at",), uploaded)
    Activity.objects.filter(pk=activity.pk).update(report_published_at=at)


# --- the story -------------------------------------------------------------------------------


@dataclass
class Demo:
    now: datetime
    rng: random.Random
    staff: dict[str, User]
    orgs: dict[str, Org]
    worker: Member
    members: list[Member]  # every active member, with the fields a check-in reads

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def pool(self, org: Org, *, before: date, employer: str = "") -> list[Member]:
        """Active members of `org`'s subtree who had joined before `before`."""
        return [
            m
            for m in self.members
            if m.org.path.startswith(org.path)
            and m.joined_on < before
            and (not employer or m.employer_name == employer)
        ]

    def sample(self, pool: Sequence[Member], k: int) -> list[Member]:
        if k > len(pool):
            raise ValueError(f"{k} people wanted from a pool of {len(pool)}")
        return self.rng.sample(list(pool), k)

    def spread(
        self, n: int, start: datetime, end: datetime, *, rush: float = 0.3
    ) -> list[datetime]:
        """Registration times: a rush in the first day, then a trickle."""
        seconds = (end - start).total_seconds()
        times = []
        for _ in range(n):
            if self.rng.random() < rush:
                offset = min(self.rng.expovariate(1 / 7200), 86400.0, seconds)
            else:
                offset = self.rng.uniform(0, seconds)
            times.append(start + timedelta(seconds=int(offset)))
        return sorted(times)

    def arrivals(self, n: int, start: datetime, *, late: int = 40) -> list[datetime]:
        """Check-in times around the start: most in the half hour before it."""
        times = []
        for _ in range(n):
            minutes = min(max(self.rng.gauss(-14, 12), -55), late)
            times.append(start + timedelta(seconds=int(minutes * 60)))
        return sorted(times)

    def registrations(
        self, members: Sequence[Member], opens: datetime, closes: datetime, *, cancelled: int = 0
    ) -> list[Reg]:
        times = self.spread(len(members), opens, closes)
        shuffled = list(members)
        self.rng.shuffle(shuffled)
        regs = [Reg(member, at) for member, at in zip(shuffled, times, strict=True)]
        for index in self.rng.sample(range(len(regs)), cancelled):
            reg = regs[index]
            later = self.rng.uniform(600, max(600.0, (closes - reg.at).total_seconds()))
            regs[index] = Reg(reg.member, reg.at, min(reg.at + timedelta(seconds=later), closes))
        return regs


def _shuanggoutong(demo: Demo) -> None:
    """双沟通 follow-ups: the unions meet the members the July-to-October events brought."""
    zgc_admin, sohu_staff = demo.staff["zgc_admin"], demo.staff["sohu_staff"]
    # (union, actor, title, place, day, start hour, hours, capacity, registered, cancelled,
    #  checked in of the registered, walk-ins, photos)
    rows: list[tuple[str, User, str, str, date, int, float, int, int, int, int, int]] = [
        (ZHANGQU_UNION, zgc_admin, "“双沟通”职工座谈会：工会服务进掌趣", "掌趣科技办公区多功能厅",
         _d(6, 18), 15, 2, 80, 74, 1, 66, 0),
        (XIAOMI_UNION, zgc_admin, "企业、职工“双沟通”恳谈会 · 小米", "小米科技园报告厅",
         _d(9, 24), 14, 2.5, 200, 188, 5, 171, 6),
        (BEIKE_UNION, zgc_admin, "“双沟通”职工恳谈会 · 贝壳找房", "贝壳找房上地办公区报告厅",
         _d(10, 29), 14, 2, 150, 142, 3, 127, 0),
        (SOHU_UNION, sohu_staff, "“双沟通”新会员见面会：搜狐集团（北京）工会第一课", "搜狐媒体大厦",
         _d(11, 6), 14, 2.5, 300, 276, 6, 243, 11),
    ]  # fmt: skip
    for row in rows:
        union_name, actor, title, place, day, hour, hours, capacity = row[:8]
        registered, cancelled, attended, walk_ins = row[8:]
        union = demo.orgs[union_name]
        start = _at(day, hour)
        opens, closes = _at(day - timedelta(days=10), 9), _at(day - timedelta(days=1), 18)
        company = union_name.removesuffix("工会")
        activity = create_activity(
            actor=actor, org=union, title=title, category=Category.OTHER,
            description=(
                f"企业、职工“双沟通”：工会与{company}的管理层和会员面对面。会上介绍工会会员服务"
                "平台上的政务服务、交通出行、餐饮美食、心理关怀等服务项目，听取会员对工会工作的"
                "意见和建议，企业负责人通报职工关心的事项。欢迎通过“双沟通”活动入会的新会员参加。"
            ),
            audience=Audience.SUBTREE, audience_org=union, place=place, starts_at=start,
            ends_at=start + timedelta(hours=hours), capacity=capacity,
            registration_opens_at=opens, registration_closes_at=closes,
            allows_walk_ins=walk_ins > 0,
        )  # fmt: skip
        activity = publish_activity(actor=actor, activity=activity)
        _backdate(activity, opens - timedelta(hours=1))
        pool = demo.pool(union, before=opens.date())
        chosen = demo.sample(pool, registered + cancelled)
        regs = demo.registrations(chosen, opens, closes, cancelled=cancelled)
        _write_registrations(actor, activity, regs)
        confirmed = [reg.member for reg in regs if reg.cancelled_at is None]
        came = demo.sample(confirmed, attended)
        registered_ids = {reg.member.pk for reg in regs}
        came += demo.sample([m for m in pool if m.pk not in registered_ids], walk_ins)
        scans = list(zip(came, demo.arrivals(len(came), start), strict=True))
        if union_name == SOHU_UNION:
            # A media company's hall: members scanned the big screen.
            _scan_screen(activity, scans)
        else:
            _scan_cards(actor, activity, scans, device=f"demo:{union.pk}:desk")
        n = attended + walk_ins
        if union_name == SOHU_UNION:
            text = (
                "7月的“双沟通”活动中，482名搜狐职工成为工会会员，平均每分钟就有1名职工提交申请。"
                "10月19日搜狐集团（北京）工会成立大会暨第一次代表大会召开后，新工会于11月6日"
                f"在搜狐媒体大厦举办首场会员见面会，{n}名会员到场。工会介绍了会员服务平台上的"
                "政务服务、交通出行、餐饮美食等服务项目，会员们提出了同城生活、休闲社交和心理"
                "关怀方面的需求，工会将逐项回应。"
            )
            photos = [
                ("新会员回到搜狐媒体大厦", Scene("hall", "搜狐集团（北京）工会会员见面会", 70)),
                ("工会服务项目介绍", Scene("exhibit", "工会会员服务平台", 26)),
            ]
        else:
            text = (
                f"{day.month}月{day.day}日，{company}工会举办“双沟通”活动，{n}名会员参加。"
                "企业负责人与会员代表面对面交流，工会介绍了会员服务平台的服务项目，收集会员"
                "意见建议20余条，已逐条明确办理责任人。"
            )
            photos = [("“双沟通”活动现场", Scene("hall", title.split("：")[0], 60))]
        _report(actor, activity, text=text, photos=photos, at=start + timedelta(days=1, hours=2))


def _craftsmanship(demo: Demo) -> None:
    """工匠精神: this year's seminar of the series begun in 2016."""
    zgc_admin, zgc = demo.staff["zgc_admin"], demo.orgs[ZGC]
    start = _at(_d(9, 18), 14)
    opens, closes = _at(_d(9, 1), 9), _at(_d(9, 17), 18)
    activity = create_activity(
        actor=zgc_admin, org=zgc, title="2026年“工匠精神”研讨会暨“创新工匠”发布",
        category=Category.SEMINAR,
        description=(
            "2016年，中关村科学城总工会委员会提出将“工匠精神”的研讨作为破题公众对工会传统印象"
            "的切入点，此后每年开展研讨、论文征集、“创新工匠”评选等系列活动。本次研讨会邀请"
            "区域非公高科技企业的工会主席、技术骨干和“创新工匠”代表，围绕“高精尖企业的工匠"
            "精神”交流研讨，并发布2026年度“创新工匠”名单。"
        ),
        audience=Audience.SUBTREE, audience_org=zgc, place="中关村国家自主创新示范区展示中心报告厅",
        starts_at=start, ends_at=start + timedelta(hours=3, minutes=30), capacity=300,
        registration_opens_at=opens, registration_closes_at=closes,
    )  # fmt: skip
    activity = publish_activity(actor=zgc_admin, activity=activity)
    _backdate(activity, opens - timedelta(hours=2))
    chosen = demo.sample(demo.pool(zgc, before=opens.date()), 293 + 8)
    regs = demo.registrations(chosen, opens, closes, cancelled=8)
    _write_registrations(zgc_admin, activity, regs)
    came = demo.sample([reg.member for reg in regs if reg.cancelled_at is None], 268)
    scans = list(zip(came, demo.arrivals(len(came), start), strict=True))
    _scan_cards(zgc_admin, activity, scans, device="demo:craftsmanship:desk")
    _report(
        zgc_admin,
        activity,
        text=(
            "9月18日下午，2026年“工匠精神”研讨会在中关村国家自主创新示范区展示中心举行，"
            "来自区域非公高科技企业的268名会员代表参加。6位“创新工匠”分享了从一线研发到产品"
            "落地的经历，与会代表围绕论文征集中的优秀成果展开讨论。“工匠精神”研讨系列活动"
            "已成为职工重新认识工会职能的重要窗口，成为非公高科技企业工会助推企业高质量发展"
            "的重要平台。"
        ),
        photos=[
            ("研讨会现场", Scene("hall", "“工匠精神”研讨会", 90)),
            ("“创新工匠”代表分享", Scene("hall", "2026年度“创新工匠”发布", 60)),
            ("会员代表交流讨论", Scene("exhibit", "“工匠精神”论文征集优秀成果", 30)),
        ],
        at=_at(_d(9, 19), 10),
    )


def _showcase(demo: Demo) -> None:
    """五小 at the bus plant: members walked in with their cards scanned at the door."""
    actor, union = demo.staff["fed_admin"], demo.orgs[BUS_PLANT_UNION]
    start = _at(_d(11, 12), 9, 30)
    activity = create_activity(
        actor=actor, org=union, title="“五小”创新项目成果展示", category=Category.SHOWCASE,
        description=(
            "一厂工会集中展示职工在车辆保修一线的小发明、小创造、小革新、小设计、小建议成果。"
            "欢迎会员到职工之家参观交流，为喜爱的作品投票，凭电子会员卡入场。"
        ),
        audience=Audience.SUBTREE, audience_org=union, place="北京公交集团保修分公司一厂职工之家",
        starts_at=start, ends_at=start + timedelta(hours=6, minutes=30),
        requires_registration=False,
    )  # fmt: skip
    activity = publish_activity(actor=actor, activity=activity)
    _backdate(activity, _at(_d(11, 5), 10))
    came = demo.sample(demo.pool(union, before=start.date()), SHOWCASE_CHECKED_IN)
    times = [start + timedelta(minutes=demo.rng.randrange(-30, 360)) for _ in range(len(came))]
    _scan_cards(actor, activity, list(zip(came, times, strict=True)), device="demo:bus-plant:door")
    _report(
        actor,
        activity,
        text=(
            "近日，北京公交集团保修分公司一厂工会开展了小发明、小创造、小革新、小设计、小建议等"
            "“五小”创新项目成果展示活动。“便携式汽车电器检测电源”“充电座端子定位器”“风炮"
            f"消音器”等10余项创新作品亮相，{SHOWCASE_CHECKED_IN}名会员到场参观交流。这些成果"
            "都来自车辆保修一线，已在日常维修中推广使用。"
        ),
        photos=[
            ("便携式汽车电器检测电源", Scene("exhibit", "“五小”创新成果展示", 18, (40, 70, 130))),
            ("充电座端子定位器", Scene("exhibit", "小发明 小创造 小革新", 14, (40, 70, 130))),
            ("风炮消音器", Scene("exhibit", "小设计 小建议", 16, (40, 70, 130))),
        ],
        at=_at(_d(11, 13), 15),
    )


def _fire_drill(demo: Demo) -> None:
    """消防演练: the yard had no network; the scans were uploaded afterwards as one batch."""
    actor, union = demo.staff["fed_admin"], demo.orgs[FIRE_DRILL_UNION]
    start = _at(_d(11, 17), 14)
    activity = create_activity(
        actor=actor, org=union, title="大型实景消防演练", category=Category.DRILL,
        description=(
            "公司工会联合安全管理部门开展大型实景消防演练：消防人员结合典型火灾案例讲解防火"
            "基本常识，医护人员讲解伤员救治，职工参加“沉浸式”疏散演练。请按时到厂区集合，"
            "凭电子会员卡签到。"
        ),
        audience=Audience.SUBTREE, audience_org=union, place="北京建工新材新科公司厂区",
        starts_at=start, ends_at=start + timedelta(hours=2, minutes=30),
        requires_registration=False,
    )  # fmt: skip
    activity = publish_activity(actor=actor, activity=activity)
    _backdate(activity, _at(_d(11, 10), 9))
    came = demo.sample(demo.pool(union, before=start.date()), DRILL_CHECKED_IN)
    scans = list(zip(came, demo.arrivals(len(came), start, late=10), strict=True))
    _scan_cards(actor, activity, scans, device="demo:fire-drill:yard")
    _report(
        actor,
        activity,
        text=(
            "“快快，拿湿毛巾捂住口鼻！”“走楼梯！走楼梯！”11月17日，北京建工新材新科公司开展"
            f"了大型实景消防演练活动，{DRILL_CHECKED_IN}名职工参与了“沉浸式”演练。当天，消防"
            "人员结合典型火灾案例深入浅出地讲解了防火基本常识，医护人员向全体职工讲解了伤员"
            "救治等内容。"
        ),
        photos=[
            ("湿毛巾捂住口鼻，沿楼梯疏散", Scene("yard", "实战演练 消防自救", 40, (46, 72, 120))),
            ("消防人员讲解防火基本常识", Scene("yard", "消防安全知识讲解", 55, (46, 72, 120))),
        ],
        at=_at(_d(11, 18), 11),
    )


def _ankang_cup(demo: Demo) -> None:
    """安康杯 in 门头沟: four events at four workplaces, scans uploaded from the sites."""
    actor, mentougou = demo.staff["fed_admin"], demo.orgs[MENTOUGOU]
    for title, category, place, employer, month, day_of_month, hour, attended in ANKANG:
        day = _d(month, day_of_month)
        start = _at(day, hour)
        activity = create_activity(
            actor=actor, org=mentougou, title=title, category=category,
            description=(
                "门头沟区总工会联合区应急管理局、区卫健委指导基层工会开展2026年“安康杯”竞赛"
                f"活动。本场在{place}举行：制定应急预案，开展消防安全教育培训、安全演习和应急"
                "演练。"
            ),
            audience=Audience.SUBTREE, audience_org=mentougou, place=place, starts_at=start,
            ends_at=start + timedelta(hours=2), requires_registration=False,
        )  # fmt: skip
        activity = publish_activity(actor=actor, activity=activity)
        _backdate(activity, _at(day - timedelta(days=7), 10))
        pool = demo.pool(mentougou, before=day, employer=employer)
        came = demo.sample(pool, attended)
        scans = list(zip(came, demo.arrivals(attended, start, late=15), strict=True))
        _scan_cards(actor, activity, scans, device=f"demo:ankang:{day.isoformat()}")
        _report(
            actor,
            activity,
            text=(
                f"{month}月{day_of_month}日，门头沟区总工会在{place}开展“安康杯”竞赛活动，"
                f"{attended}名职工参加。通过开展本次活动，使用人单位和职工的安全意识得到提高。"
                "下一步，门头沟区总工会将继续有针对性地开展各类活动，营造“人人讲安全、事事重"
                "安全、处处保安全”的良好环境。"
            ),
            photos=[(title.split(" · ")[1], Scene("yard", "“安康杯”竞赛活动", 30))],
            at=_at(day + timedelta(days=2), 16),
        )


def _walk(demo: Demo) -> None:
    """The 普惠 walk: over 10,000 registered and checked in, written in bulk."""
    zgc_admin, zgc = demo.staff["zgc_admin"], demo.orgs[ZGC]
    start = _at(_d(10, 24), 8, 30)
    opens, closes = _at(_d(9, 28), 9), _at(_d(10, 23), 18)
    activity = create_activity(
        actor=zgc_admin, org=zgc, title="2026年中关村科学城职工秋季健步走普惠活动",
        category=Category.BENEFIT,
        description=(
            "秋高气爽，中关村科学城总工会邀请会员走进海淀公园，参加一年一度的职工秋季健步走。"
            "全程约6公里，沿途设置健康咨询、法律服务、心理关怀等工会服务体验点；完成全程的会员"
            "在终点凭电子会员卡领取普惠礼包（运动水杯、体检优惠券）。\n"
            "活动当天7:30起在北门集合点扫描大屏二维码签到；未报名的会员也可现场签到参加。"
        ),
        audience=Audience.SUBTREE, audience_org=zgc, place="海淀公园（北门集合）",
        starts_at=start, ends_at=start + timedelta(hours=3, minutes=30),
        capacity=WALK_CAPACITY, registration_opens_at=opens, registration_closes_at=closes,
        allows_walk_ins=True,
    )  # fmt: skip
    activity = publish_activity(actor=zgc_admin, activity=activity)
    _backdate(activity, opens - timedelta(hours=1))
    pool = demo.pool(zgc, before=opens.date())
    chosen = demo.sample(pool, WALK_REGISTERED + WALK_CANCELLED)
    regs = demo.registrations(chosen, opens, closes, cancelled=WALK_CANCELLED)
    _write_registrations(zgc_admin, activity, regs)
    confirmed = [reg.member for reg in regs if reg.cancelled_at is None]
    came = demo.sample(confirmed, WALK_ATTENDED)
    registered = {reg.member.pk for reg in regs}
    walk_ins = demo.sample([m for m in pool if m.pk not in registered], WALK_WALK_INS)
    visits = [
        Visit(
            member, at, CheckIn.Method.SCREEN if demo.rng.random() < 0.86 else CheckIn.Method.CARD
        )
        for member, at in zip(came, demo.arrivals(len(came), start), strict=True)
    ]
    visits += [
        Visit(member, start + timedelta(minutes=demo.rng.randrange(0, 90)), CheckIn.Method.CARD,
              walk_in=True)
        for member in walk_ins
    ]  # fmt: skip
    _write_visits(zgc_admin, activity, visits)
    total = WALK_ATTENDED + WALK_WALK_INS
    _report(
        zgc_admin,
        activity,
        text=(
            "10月24日上午，2026年中关村科学城职工秋季健步走在海淀公园举行。"
            f"{WALK_REGISTERED}名会员报名，{total}名会员签到参加，其中{WALK_WALK_INS}名会员"
            "现场签到。沿途的健康咨询、法律服务、心理关怀等工会服务体验点接待会员3000余人次。"
            "这是中关村科学城总工会万人以上参与的普惠活动之一。"
        ),
        photos=[
            ("北门集合点，会员扫描大屏二维码签到", Scene("outdoor", "职工秋季健步走", 120)),
            ("健步走途中", Scene("outdoor", "健步走 · 普惠服务进公园", 80, (214, 60, 48))),
            ("终点领取普惠礼包", Scene("outdoor", "普惠礼包领取处", 60)),
        ],
        at=_at(_d(10, 24), 17),
    )


def _lessons(demo: Demo) -> None:
    """回龙观's 红色领队微党课 for couriers: two held (李师傅 came to the second), one ahead."""
    hlg_staff, hlg = demo.staff["hlg_staff"], demo.orgs[HLG]
    description = (
        "自11月18日起，回龙观街道启动“红色领队微党课”系列活动：由24位党建指导员组成的“红色"
        "领队团”到快递网点和驿站开展党史学习教育，讲述党史小故事。到不了现场的小哥也可以在线"
        "收听音频、视频微党课，利用碎片化时间学习。"
    )
    held: list[tuple[str, str, date, date, int, int]] = [
        # title, place, day, registration opens, registered, checked in
        ("红色领队微党课 · 第1讲：党史小故事", "回龙观地铁站工会驿站", _d(11, 18), _d(11, 16),
         18, 16),
        ("红色领队微党课 · 第2讲：党员小哥积极战疫安全配送", "龙泽园中通快递网点", _d(11, 21),
         _d(11, 20), 21, 19),
    ]  # fmt: skip
    for number, (title, place, day, opens_on, registered, attended) in enumerate(held, 1):
        start, opens = _at(day, 19, 30), _at(opens_on, 8)
        closes = start - timedelta(hours=2)
        activity = create_activity(
            actor=hlg_staff, org=hlg, title=title, category=Category.STUDY,
            description=description, audience=Audience.SUBTREE, audience_org=hlg, place=place,
            starts_at=start, ends_at=start + timedelta(hours=1), capacity=40,
            registration_opens_at=opens, registration_closes_at=closes,
        )  # fmt: skip
        activity = publish_activity(actor=hlg_staff, activity=activity)
        _backdate(activity, opens - timedelta(hours=12))
        pool = demo.pool(hlg, before=opens_on)
        if number == 2:
            # 李师傅, a member since the 19th, registered the morning the lesson was announced.
            others = demo.sample([m for m in pool if m.pk != demo.worker.pk], registered - 1)
            regs = demo.registrations(others, opens + timedelta(hours=1), closes)
            regs.append(Reg(demo.worker, opens + timedelta(minutes=47)))
        else:
            regs = demo.registrations(demo.sample(pool, registered), opens, closes)
        _write_registrations(hlg_staff, activity, regs)
        others_came = attended - 1 if number == 2 else attended
        came = demo.sample(
            [reg.member for reg in regs if reg.member.pk != demo.worker.pk], others_came
        )
        scans = list(zip(came, demo.arrivals(len(came), start, late=15), strict=True))
        if number == 2:
            scans.append((demo.worker, start - timedelta(minutes=6)))
        _scan_screen(activity, scans)
        if number == 1:
            _report(
                hlg_staff,
                activity,
                text=(
                    "11月18日晚，回龙观街道“红色领队微党课”系列活动在回龙观地铁站工会驿站启动。"
                    f"“红色领队团”的党建指导员讲述党史小故事，{attended}名快递小哥到场听课。"
                    "街道总工会同时为小哥们送上应急防疫包，提醒大家配合社区防疫工作、保护自身"
                    "安全。"
                ),
                photos=[("微党课现场", Scene("hall", "红色领队微党课", 20, (30, 110, 200)))],
                at=_at(day + timedelta(days=1), 10),
            )
    # The third lesson, two days after the demo is loaded: 李师傅 has registered.
    day = demo.today + timedelta(days=2)
    start = _at(day, 19, 30)
    activity = create_activity(
        actor=hlg_staff, org=hlg, title="红色领队微党课 · 第3讲：快递小哥身边的党员故事",
        category=Category.STUDY, description=description, audience=Audience.SUBTREE,
        audience_org=hlg, place="回龙观地铁站工会驿站", starts_at=start,
        ends_at=start + timedelta(hours=1), capacity=40,
        registration_opens_at=demo.now - timedelta(days=1),
        registration_closes_at=start - timedelta(hours=2),
    )  # fmt: skip
    activity = publish_activity(actor=hlg_staff, activity=activity)
    _backdate(activity, demo.now - timedelta(days=1, hours=2))
    register_for_activity(member=demo.worker, activity=activity)
    pool = [m for m in demo.pool(hlg, before=demo.today) if m.pk != demo.worker.pk]
    for member in demo.sample(pool, 9):
        register_for_activity(member=member, activity=activity)


def _ahead(demo: Demo) -> None:
    """What is open for registration whenever the demo is loaded."""
    hlg_staff, hlg = demo.staff["hlg_staff"], demo.orgs[HLG]
    fed_admin, root = demo.staff["fed_admin"], demo.orgs[ROOT]
    zgc_admin, zgc = demo.staff["zgc_admin"], demo.orgs[ZGC]
    today, now = demo.today, demo.now

    # Full: 30 places taken, four on the waiting list (李师傅 may join it).
    start = _at(today + timedelta(days=6), 9)
    checkup = create_activity(
        actor=hlg_staff, org=hlg, title="冬季送温暖 · 快递小哥免费健康体检",
        category=Category.BENEFIT,
        description=(
            "回龙观街道总工会为快递员、外卖骑手会员提供免费健康体检（血常规、心电图、腰椎检查"
            "等），名额30个，额满后可排队候补：有人取消时按顺序递补并短信通知。"
        ),
        audience=Audience.SUBTREE, audience_org=hlg, place="回龙观社区卫生服务中心",
        starts_at=start, ends_at=start + timedelta(hours=3), capacity=30,
        registration_opens_at=now - timedelta(days=2),
        registration_closes_at=_at(today + timedelta(days=5), 18),
    )  # fmt: skip
    checkup = publish_activity(actor=hlg_staff, activity=checkup)
    _backdate(checkup, now - timedelta(days=2, hours=1))
    pool = [m for m in demo.pool(hlg, before=today) if m.pk != demo.worker.pk]
    for member in demo.sample(pool, 34):
        register_for_activity(member=member, activity=checkup)

    # Needs approval: the city federation chooses who goes.
    start = _at(today + timedelta(days=24), 9)
    stay = create_activity(
        actor=fed_admin, org=root, title="2026年冬季一线职工疗休养（怀柔雁栖湖）",
        category=Category.BENEFIT,
        description=(
            "北京市总工会组织一线职工（快递员、外卖骑手、公交保修工、生产一线职工等）冬季疗"
            "休养，三天两晚，食宿和往返交通由市总工会承担。报名后由市总工会审核，优先安排近"
            "三年未参加过疗休养的会员。"
        ),
        audience=Audience.MEMBERS, audience_org=None, place="北京市总工会怀柔疗休养基地",
        starts_at=start, ends_at=start + timedelta(days=2, hours=7), capacity=40,
        approval_required=True, registration_opens_at=now - timedelta(days=5),
        registration_closes_at=_at(today + timedelta(days=10), 18),
    )  # fmt: skip
    stay = publish_activity(actor=fed_admin, activity=stay)
    _backdate(stay, now - timedelta(days=5, hours=1))
    frontline = [
        m
        for m in demo.members
        if m.pk != demo.worker.pk
        and (m.org.path.startswith(hlg.path) or m.org.name in {BUS_PLANT_UNION, FIRE_DRILL_UNION})
    ]
    pending = [
        register_for_activity(member=member, activity=stay) for member in demo.sample(frontline, 26)
    ]
    # Twelve approved, one turned down (a stay last year), thirteen still waiting.
    for index, registration in enumerate(pending[:13]):
        checkins.decide_registration(actor=fed_admin, registration=registration, approve=index != 4)

    # Open to every member: thousands registered since it was announced four days ago.
    start = _at(today + timedelta(days=30), 9)
    carnival = create_activity(
        actor=fed_admin, org=root, title="迎新春 · 职工冰雪嘉年华普惠专场",
        category=Category.BENEFIT,
        description=(
            "北京市总工会包场冰雪嘉年华，会员凭电子会员卡免费入场，体验冰滑梯、雪圈和冰上"
            "自行车；每位会员限报1人。"
        ),
        audience=Audience.MEMBERS, audience_org=None, place="北京奥林匹克公园冰雪嘉年华",
        starts_at=start, ends_at=start + timedelta(hours=8), capacity=20_000,
        registration_opens_at=now - timedelta(days=4),
        registration_closes_at=start - timedelta(days=1),
    )  # fmt: skip
    carnival = publish_activity(actor=fed_admin, activity=carnival)
    _backdate(carnival, now - timedelta(days=4, hours=1))
    poster = SimpleUploadedFile(
        "poster.jpg", _picture(Scene("outdoor", "职工冰雪嘉年华普惠专场", 40), SEED), "image/jpeg"
    )
    photo = add_photo(actor=fed_admin, activity=carnival, upload=poster,
                      use=ActivityPhoto.Use.DESCRIPTION, caption="冰雪嘉年华")  # fmt: skip
    _set_times(ActivityPhoto, ("uploaded_at",), [(photo.pk, (now - timedelta(days=4, hours=2),))])
    opened = now - timedelta(days=4)
    everyone = [m for m in demo.pool(root, before=opened.date()) if m.pk != demo.worker.pk]
    regs = demo.registrations(
        demo.sample(everyone, 3_126), opened, now - timedelta(minutes=5), cancelled=21
    )
    _write_registrations(fed_admin, carnival, regs)

    # The next 工匠精神 seminar, and next spring's games, still a draft.
    start = _at(today + timedelta(days=9), 14)
    seminar = create_activity(
        actor=zgc_admin, org=zgc, title="“工匠精神”系列研讨：新就业形态劳动者的工匠精神",
        category=Category.SEMINAR,
        description=(
            "“工匠精神”系列研讨本期关注新就业形态劳动者：邀请快递、外卖、网约车平台企业"
            "工会和一线劳动者代表，交流职业技能提升与权益保障。"
        ),
        audience=Audience.SUBTREE, audience_org=zgc, place="中关村科学城总工会职工之家",
        starts_at=start, ends_at=start + timedelta(hours=3), capacity=120,
        registration_opens_at=now - timedelta(days=3),
    )  # fmt: skip
    seminar = publish_activity(actor=zgc_admin, activity=seminar)
    _backdate(seminar, now - timedelta(days=3, hours=1))
    for member in demo.sample(demo.pool(zgc, before=today), 57):
        register_for_activity(member=member, activity=seminar)
    start = _at(today + timedelta(days=120), 9)
    create_activity(
        actor=zgc_admin, org=zgc, title="2027年中关村科学城职工春季运动会",
        category=Category.CONTEST,
        description="拔河、跳绳、趣味接力等团体项目，以企业工会为单位报名。",
        audience=Audience.SUBTREE, audience_org=zgc, place="海淀体育中心",
        starts_at=start, ends_at=start + timedelta(hours=8), capacity=1500,
    )  # fmt: skip


def load_activities(*, staff: dict[str, User], worker: User, now: datetime | None = None) -> None:
    """Write the rosters' members and the activities (the tree, enterprises, recruitment and
    the demo worker's membership exist)."""
    now = now or timezone.now()
    names = [ROOT, ZGC, HLG, MENTOUGOU, SOHU_UNION, XIAOMI_UNION, BEIKE_UNION, ZHANGQU_UNION,
             *(roster.org for roster in ROSTERS)]  # fmt: skip
    orgs = {org.name: org for org in Org.objects.filter(name__in=names)}
    people = _new_people()
    _zgc_rosters(people, staff["zgc_admin"], orgs[ZGC])
    _other_rosters(people, staff["fed_admin"], orgs)
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .select_related("org")
        .only(
            "pk",
            "number",
            "name",
            "status",
            "joined_on",
            "card_version",
            "employer_name",
            "user_id",
            "org__name",
            "org__path",
        )
        .order_by("pk")
    )
    demo = Demo(
        now=now,
        rng=random.Random(SEED),
        staff=staff,
        orgs=orgs,
        worker=next(m for m in members if m.user_id == worker.pk),
        members=members,
    )
    _shuanggoutong(demo)
    _craftsmanship(demo)
    _showcase(demo)
    _fire_drill(demo)
    _ankang_cup(demo)
    _walk(demo)
    _lessons(demo)
    _ahead(demo)
